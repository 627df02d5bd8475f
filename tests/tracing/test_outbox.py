"""The outbox: a message is recorded once per idempotency key, survives a broker outage,
and is sent exactly once however often delivery is retried."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core import mail

from cases.actions import case_transition
from tracing.celery import app
from tracing.crypto.datakeys import data_key_create
from tracing.models import OutboxMessage
from tracing.outbox import outbox_deliver_one, outbox_enqueue
from tracing.tasks import outbox_deliver, outbox_flush

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager() -> Iterator[None]:
    # These tests are about the outbox, not the broker: tasks run in-process even when a
    # broker is configured (the services tests cover the real worker).
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _enqueue(key: str = "test:1", **kwargs: Any) -> OutboxMessage:
    defaults = {"kind": "test", "data_key": data_key_create(purpose="case"), "recipient": "someone@example.org",
                "subject": "Subject", "body": "Body"}
    return outbox_enqueue(key=key, **{**defaults, **kwargs})


def test_the_same_key_records_and_sends_one_message(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _enqueue("case:x:v2:accept")
        second = _enqueue("case:x:v2:accept", subject="A retried action's copy")
    assert first.pk == second.pk and len(callbacks) == 1  # only the first schedules delivery
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Subject"
    assert mail.outbox[0].to == ["someone@example.org"]
    first.refresh_from_db()
    assert first.status == OutboxMessage.Status.SENT and first.attempts == 1 and first.sent_at is not None


def test_message_is_stored_encrypted(django_capture_on_commit_callbacks: Any) -> None:
    from django.db import connection

    message = _enqueue(subject="Case NL-2026-00001: located", body="Secret body")
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, subject, body FROM tracing_outboxmessage WHERE id = %s",
                       [message.pk.hex if connection.vendor == "sqlite" else message.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("v1$") for value in raw)
    assert "someone@example.org" not in str(raw) and "Secret body" not in str(raw)


def test_broker_down_at_enqueue_keeps_the_message_for_the_flush(
    personas: Any, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="start_review")
    with (
        mock.patch.object(outbox_deliver, "delay", side_effect=ConnectionRefusedError("broker down")) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        # The supervisor accepts: the caseworker and the enquirer are told, through the outbox.
        case = case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="accept")
    assert case.state == "accepted"  # the outage did not fail the action
    assert delay.call_count == 2
    pending = OutboxMessage.objects.filter(case_id=open_case.id, status=OutboxMessage.Status.PENDING)
    assert pending.count() == 2 and mail.outbox == []

    assert outbox_flush() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["amina.enquirer@example.org", "cw@example.org"])
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
    assert outbox_flush() == 0 and len(mail.outbox) == 2  # a second beat run sends nothing again


def test_retried_delivery_sends_nothing_twice() -> None:
    message = _enqueue()  # no on_commit run: still pending
    assert outbox_deliver_one(str(message.pk)) is True
    assert outbox_deliver_one(str(message.pk)) is False
    assert outbox_deliver.delay(str(message.pk)).get() is False  # a redelivered task, too
    assert outbox_flush() == 0
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_smtp_failure_leaves_the_message_pending_for_the_next_flush() -> None:
    message = _enqueue()
    with mock.patch("tracing.outbox.send_mail", side_effect=smtplib.SMTPServerDisconnected("gone")):
        assert outbox_flush() == 0
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and mail.outbox == []
    assert outbox_flush() == 1 and len(mail.outbox) == 1


def test_held_and_addressless_messages_are_not_sent() -> None:
    held = _enqueue("held", hold=True)
    nowhere = _enqueue("nowhere", recipient="")
    assert outbox_flush() == 0 and mail.outbox == []
    held.refresh_from_db()
    nowhere.refresh_from_db()
    assert held.status == OutboxMessage.Status.HELD
    assert nowhere.status == OutboxMessage.Status.FAILED and nowhere.last_error == "no address"
