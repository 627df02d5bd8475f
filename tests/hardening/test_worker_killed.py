"""A Celery worker is killed (SIGKILL) in the middle of a task: the task is run again, safely.

Tasks are acknowledged late (`task_acks_late`) and rejected when their worker is lost
(`task_reject_on_worker_lost`), so the broker hands the unacknowledged task to the next worker
once the visibility timeout passes (settings: one hour; here five seconds, see worker_app.py).
The task is idempotent (row lock + status check in tracing.outbox), so the message is sent once.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from tests.hardening.conftest import PrivateRedis, celery_broker, start_worker, stop_worker
from tests.services.conftest import wait_for
from tracing.crypto.datakeys import data_key_create
from tracing.models import OutboxMessage
from tracing.outbox import outbox_enqueue

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("services"), pytest.mark.django_db(transaction=True)]

APP = "tests.hardening.worker_app"


def test_reliability_settings() -> None:
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    # Longer than any task runs, or a slow task would be handed to a second worker meanwhile.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 3600


def test_a_task_killed_midway_runs_again_and_its_effect_happens_once(
    personas: Any, private_redis: PrivateRedis, tmp_path: Path, purge_audit: None
) -> None:
    from tests.hardening.worker_app import deliver_after_pause

    with transaction.atomic():
        message = outbox_enqueue(key="kill:1", kind="test", data_key=data_key_create(purpose="case"),
                                 recipient="found@example.org", subject="sent once", body="Body", hold=True)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)
    runs = tmp_path / "runs.txt"

    first = start_worker(private_redis.url, tmp_path, app=APP, name="first")
    try:
        with celery_broker(private_redis.url):
            deliver_after_pause.delay(str(message.pk), str(runs))
        wait_for(lambda: runs.exists(), timeout=60, what="the task to start", worker=first)
        first.process.send_signal(signal.SIGKILL)  # mid-task: no ack, no warm shutdown
        first.process.wait(timeout=30)
    finally:
        stop_worker(first)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and first.mail_files() == []

    second = start_worker(private_redis.url, tmp_path, app=APP, name="second")
    try:
        wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT,
                 timeout=90, what="the task to run again on the second worker", worker=second)
    finally:
        stop_worker(second)

    pids = runs.read_text().split()
    assert len(pids) == 2 and pids[0] != pids[1]  # started twice, by two worker processes
    assert pids[1] == str(second.process.pid)
    message.refresh_from_db()
    assert message.attempts == 1
    assert "".join(second.mail_files()).count("Subject: sent once\n") == 1
