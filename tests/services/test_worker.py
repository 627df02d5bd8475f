"""Through real services: Redis as the broker and a Celery worker process on the test database."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from cases.actions import case_open, case_transition
from tests.factories import sample_case_data
from tests.services.conftest import Worker, wait_for
from tracing.celery import app
from tracing.models import OutboxMessage
from tracing.tasks import outbox_deliver, outbox_flush

pytestmark = [
    pytest.mark.services,
    pytest.mark.xdist_group("services"),  # one worker process at a time, on one xdist node
    pytest.mark.django_db(transaction=True),
]


def _sent(case_id: Any, count: int) -> bool:
    return OutboxMessage.objects.filter(case_id=case_id, status=OutboxMessage.Status.SENT).count() == count


def _succeeded(worker: Worker, task: str) -> int:
    return sum(1 for line in worker.log_text().splitlines() if f"tracing.tasks.{task}[" in line and "succeeded" in line)


def _resend_until(send: Any, predicate: Any, *, what: str, worker: Worker, every: float = 5) -> None:
    deadline = time.monotonic() + 60
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\nworker log:\n{worker.log_text()[-3000:]}", pytrace=False)
        send()
        wait_for(predicate, timeout=every, what=what, worker=worker, fail=False)


def test_a_notification_from_an_action_is_delivered_by_the_worker(
    personas: Any, worker: Worker, through_broker: None
) -> None:
    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    case_transition(acting_user=personas.caseworker, case_id=case.id, transition="start_review")
    # Accepting tells the assigned caseworker and the enquirer: two outbox rows, committed
    # with the transition, then handed to the broker.
    case_transition(acting_user=personas.supervisor, case_id=case.id, transition="accept")
    wait_for(lambda: _sent(case.id, 2), what="two outbox messages sent", worker=worker)

    files = "\n".join(worker.mail_files())
    assert "To: cw@example.org" in files and "To: amina.enquirer@example.org" in files
    assert f"Subject: Your tracing request {case.reference}" in files
    assert mail.outbox == []  # the test process sent nothing: the worker did
    log = worker.log_text()
    assert log.count("Task tracing.tasks.outbox_deliver[") >= 2 and "succeeded" in log


def test_the_flush_delivers_what_the_broker_missed(personas: Any, worker: Worker, through_broker: None) -> None:
    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    with mock.patch.object(outbox_deliver, "delay", side_effect=ConnectionRefusedError("broker down")):
        case_transition(acting_user=personas.caseworker, case_id=case.id, transition="start_review")
        case_transition(acting_user=personas.supervisor, case_id=case.id, transition="accept")
    pending = OutboxMessage.objects.filter(case_id=case.id, status=OutboxMessage.Status.PENDING)
    assert pending.count() == 2 and worker.mail_files() == []

    # What beat does every minute, here every few seconds: a flush message can be lost on the
    # way to the worker (the flake of the full PostgreSQL run, never reproduced on its own), and
    # the next one picks up what is still pending, as it would in production.
    _resend_until(outbox_flush.delay, lambda: _sent(case.id, 2), what="the flush to send both", worker=worker)
    flushes = _succeeded(worker, "outbox_flush")
    _resend_until(outbox_flush.delay, lambda: _succeeded(worker, "outbox_flush") > flushes,  # nothing left to send
                  what="a flush after both were sent", worker=worker)
    duplicate = str(pending.model.objects.filter(case_id=case.id).first().pk)
    _resend_until(lambda: outbox_deliver.delay(duplicate),  # a duplicate delivery
                  lambda: _succeeded(worker, "outbox_deliver") >= 1, what="the duplicate delivery", worker=worker)
    # The file backend writes one file per connection; across them, each message once.
    assert "".join(worker.mail_files()).count("\nSubject: ") == 2


def test_healthz_broker_check_and_worker_ping(client: Client, worker: Worker, through_broker: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["broker"] == {"ok": True, "mode": "broker"}
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    replies = app.control.ping(destination=[worker.node], timeout=5)
    assert replies == [{worker.node: {"ok": "pong"}}]
