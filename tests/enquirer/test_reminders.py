"""Beat tasks of tracing.public.tasks: reminders fire once each; the outbox survives a broker outage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.actions import person_update
from cases.models import Case
from tests.enquirer.conftest import sought
from tracing.models import OutboxMessage
from tracing.outbox import outbox_deliver_one
from tracing.public.actions import enquirer_access_issue
from tracing.public.models import PublicAccess
from tracing.public.tasks import (
    public_consent_reminders,
    public_inactivity_reminders,
    public_scrub_sent_codes,
    public_still_searching,
)
from tracing.tasks import outbox_flush

pytestmark = pytest.mark.django_db


def _age(case: Case, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(case, name, value)
    case.save(update_fields=list(fields))


def test_inactivity_reminder_once_per_quiet_spell(personas: Any, accepted_case: Case) -> None:
    _age(accepted_case, last_activity_at=timezone.now() - timedelta(days=29))
    assert public_inactivity_reminders() == 0
    _age(accepted_case, last_activity_at=timezone.now() - timedelta(days=31))
    assert public_inactivity_reminders() == 1
    assert public_inactivity_reminders() == 1  # counted again, but the same idempotency key
    (reminder,) = OutboxMessage.objects.filter(kind="reminder.inactivity")
    assert reminder.to_user == personas.caseworker and "31" not in reminder.subject and "30" in reminder.subject
    # The office's own threshold counts.
    personas.home.inactivity_reminder_days = 60
    personas.home.save(update_fields=["inactivity_reminder_days"])
    OutboxMessage.objects.filter(kind="reminder.inactivity").delete()
    assert public_inactivity_reminders() == 0


def test_closed_cases_are_not_reminded(personas: Any, accepted_case: Case) -> None:
    _age(accepted_case, state="closed", last_activity_at=timezone.now() - timedelta(days=400))
    assert public_inactivity_reminders() == 0


def test_unanswered_consent_request_is_reminded_once(personas: Any, located_case: Case, found_issued: Any) -> None:
    person_update(acting_user=personas.caseworker, person_id=sought(located_case).id,
                  data={"email": "mohammed@example.org"})
    assert public_consent_reminders() == 0
    PublicAccess.objects.filter(pk=found_issued.access.pk).update(issued_at=timezone.now() - timedelta(days=15))
    assert public_consent_reminders() == 1
    public_consent_reminders()  # a second beat run the same day records nothing new
    reminders = list(OutboxMessage.objects.filter(kind="reminder.consent", to_user__isnull=True))
    assert [m.recipient for m in reminders] == ["mohammed@example.org"]
    assert found_issued.login in reminders[0].body and "Amina" not in reminders[0].body
    assert OutboxMessage.objects.filter(kind="reminder.consent", to_user=personas.caseworker).count() == 1
    # Answered: no more reminders for a new code either.
    PublicAccess.objects.filter(pk=found_issued.access.pk).update(answered_at=timezone.now())
    OutboxMessage.objects.filter(kind="reminder.consent").delete()
    assert public_consent_reminders() == 0


def test_still_searching_every_90_days(personas: Any, accepted_case: Case) -> None:
    assert public_still_searching() == 0
    _age(accepted_case, accepted_at=timezone.now() - timedelta(days=91))
    assert public_still_searching() == 1 and public_still_searching() == 1
    assert OutboxMessage.objects.filter(kind="enquirer.still_searching").count() == 1
    _age(accepted_case, accepted_at=timezone.now() - timedelta(days=181))
    public_still_searching()
    messages = OutboxMessage.objects.filter(kind="enquirer.still_searching")
    assert messages.count() == 2
    assert all(m.recipient == "amina.enquirer@example.org" and "Mohammed" not in m.body for m in messages)


def test_sent_codes_are_scrubbed_from_the_outbox(personas: Any, accepted_case: Case, mailoutbox: list) -> None:
    issued = enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="email")
    message = OutboxMessage.objects.get(kind="enquirer.access_code")
    outbox_deliver_one(str(message.id))
    assert any(issued.code_display in m.body for m in mailoutbox)
    assert public_scrub_sent_codes() >= 1
    message.refresh_from_db()
    assert message.body == "" and message.status == "sent"
    first = OutboxMessage.objects.get(kind="enquirer.stage", idempotency_key__endswith=":accept:enquirer")
    assert first.status == "pending" or first.body == ""  # pending ones keep their code until sent


def test_message_created_while_the_broker_is_down_is_sent_once_by_the_flush(
        personas: Any, accepted_case: Case, enquirer_client: Client, mailoutbox: list,
        django_capture_on_commit_callbacks: Any) -> None:
    OutboxMessage.objects.update(status="sent")  # earlier messages of the set-up are not this test's
    with mock.patch("tracing.tasks.outbox_deliver.delay", side_effect=OperationalError("broker down")) as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = enquirer_client.post("/status/case/information/", {"info-details": "Seen in Garissa."})
    assert response.status_code == 302 and delay.called
    message = OutboxMessage.objects.get(kind="office.enquirer_submission")
    assert message.status == "pending" and mailoutbox == []
    assert outbox_flush() == 1
    assert outbox_flush() == 0
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    assert [m.to for m in mailoutbox] == [["cw@example.org"]]
