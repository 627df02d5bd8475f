"""The broker stops in the middle of a burst of work: nothing is lost, everything is sent once.

A private redis-server is the broker of this test and of a real worker. Half of a burst of
outbox messages is recorded while it runs; then it is killed (no persistence: whatever was
queued in it is gone) and the rest of the burst is recorded. The requests that recorded them
do not fail, no message is marked failed, and once the broker is back the beat's flush and
the worker deliver every message exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from tests.hardening.conftest import PrivateRedis, celery_broker, start_worker, stop_worker
from tests.services.conftest import wait_for
from tracing.crypto.datakeys import data_key_create
from tracing.models import OutboxMessage
from tracing.outbox import outbox_enqueue
from tracing.tasks import outbox_flush

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("services"), pytest.mark.django_db(transaction=True)]

BURST = 12


def _record(i: int) -> OutboxMessage:
    # One request's transaction: the message is committed with its cause, then handed to the broker.
    with transaction.atomic():
        return outbox_enqueue(key=f"burst:{i}", kind="test", data_key=data_key_create(purpose="case"),
                              recipient=f"person{i}@example.org", subject=f"burst message {i:02d}", body="Body")


def _statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboxMessage.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _flushes_done(log: str) -> int:
    return sum(1 for line in log.splitlines() if "Task tracing.tasks.outbox_flush[" in line and "succeeded" in line)


def _beat_until(predicate: Any, worker: Any, timeout: float = 120, every: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"not every message was sent: {_statuses()}\n{worker.log_text()[-3000:]}", pytrace=False)
        outbox_flush.delay()
        pause = time.monotonic() + every
        while time.monotonic() < pause and not predicate():
            time.sleep(0.3)


def test_nothing_is_lost_when_the_broker_stops_mid_burst(
    personas: Any, private_redis: PrivateRedis, tmp_path: Path, purge_audit: None
) -> None:
    worker = start_worker(private_redis.url, tmp_path)
    try:
        with celery_broker(private_redis.url):
            for i in range(BURST // 2):
                _record(i)
            private_redis.stop()
            for i in range(BURST // 2, BURST):
                _record(i)  # the broker is down: recorded, and the request does not fail

            assert OutboxMessage.objects.count() == BURST
            assert _statuses().get(OutboxMessage.Status.FAILED, 0) == 0
            assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() >= BURST // 2

            private_redis.start()  # empty: whatever it held when it died is gone
            # Beat sends the flush every minute; here every few seconds. The first sends after the
            # restart can be dropped (the Redis transport keeps its queue bindings in the broker,
            # gone with it, until the worker reconnects and declares them again): the next flush
            # picks up what is still pending, as it would in production.
            _beat_until(lambda: _statuses() == {OutboxMessage.Status.SENT: BURST}, worker)
            done = _flushes_done(worker.log_text())
            outbox_flush.delay()  # one more flush finds nothing left to send
            wait_for(lambda: _flushes_done(worker.log_text()) > done, timeout=60, what="the last flush",
                     worker=worker)
    finally:
        stop_worker(worker)

    sent = "".join(worker.mail_files())
    for i in range(BURST):
        assert sent.count(f"Subject: burst message {i:02d}\n") == 1, i
    assert sent.count("\nSubject: ") == BURST
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
