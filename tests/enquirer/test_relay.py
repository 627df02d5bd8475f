"""relay_message_send / relay_message_review: messages pass through the office, only if consent allows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.actions import consent_withdraw
from cases.models import Case, Disclosure
from tests.enquirer.conftest import events, give_consent, sought, text_of
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted
from tracing.models import OutboxMessage
from tracing.public.actions import relay_message_review, relay_message_send
from tracing.public.models import PublicAccess, RelayMessage

pytestmark = pytest.mark.django_db


def _enquirer_access(case: Case) -> PublicAccess:
    return PublicAccess.objects.get(case=case, audience="enquirer", revoked_at__isnull=True)


def test_no_relay_without_consent_that_allows_messages(personas: Any, located_case: Case, issued: Any) -> None:
    for scope in (None, "alive_only", "no_contact"):
        if scope:
            give_consent(personas, located_case, scope)
        with pytest.raises(NotPermitted):
            relay_message_send(access=_enquirer_access(located_case), body="Hello brother",
                               found_person_id=sought(located_case).id)
    assert not RelayMessage.objects.exists()


def test_enquirer_message_waits_for_review_then_reaches_the_found_person(
        personas: Any, located_case: Case, issued: Any, enquirer_client: Client, found_issued: Any,
        found_client: Client) -> None:
    give_consent(personas, located_case, "relay_messages")
    response = enquirer_client.post("/status/case/message/", {"message-body": "Hello brother, we are in Utrecht.",
                                                              "message-to": str(sought(located_case).id)})
    assert response.status_code == 302
    message = RelayMessage.objects.get()
    assert message.status == "pending_review" and message.direction == "to_found"
    assert message.data_key_id == located_case.persons.get(role="enquirer").data_key_id
    assert OutboxMessage.objects.filter(kind="office.relay_message", to_user=personas.caseworker).count() == 1
    assert "we are in Utrecht" not in text_of(found_client.get("/consent/answer/"))
    assert "waiting for a caseworker" in text_of(enquirer_client.get("/status/case/"))

    relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=True)
    message.refresh_from_db()
    assert message.status == "approved" and message.reviewed_by == personas.caseworker
    assert "we are in Utrecht" in text_of(found_client.get("/consent/answer/"))
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert not Disclosure.objects.exists()  # nothing about the found person was told
    assert [e.data["approved"] for e in events(located_case, "relay.message_reviewed")] == [True]


def test_found_persons_reply_is_a_disclosure_under_their_consent(personas: Any, located_case: Case,
                                                                 found_issued: Any, found_client: Client,
                                                                 issued: Any, enquirer_client: Client) -> None:
    give_consent(personas, located_case, "relay_messages")
    found_client.post("/consent/answer/message/", {"message-body": "I am safe in Nairobi."})
    message = RelayMessage.objects.get(direction="to_enquirer")
    assert message.data_key_id == sought(located_case).data_key_id
    assert "I am safe in Nairobi." not in text_of(enquirer_client.get("/status/case/"))
    relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=True)
    disclosure = Disclosure.objects.get(kind="message")
    assert disclosure.content == "I am safe in Nairobi." and disclosure.disclosed_by == personas.caseworker
    assert "I am safe in Nairobi." in text_of(enquirer_client.get("/status/case/"))
    email = OutboxMessage.objects.get(kind="public.relay_message")
    assert email.recipient == "amina.enquirer@example.org" and "Nairobi" not in email.body


def test_rejected_messages_are_never_passed_on(personas: Any, located_case: Case, issued: Any,
                                               enquirer_client: Client, found_issued: Any,
                                               found_client: Client) -> None:
    give_consent(personas, located_case, "share_contact")
    enquirer_client.post("/status/case/message/", {"message-body": "Send money to account 123",
                                                   "message-to": str(sought(located_case).id)})
    message = RelayMessage.objects.get()
    relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=False)
    message.refresh_from_db()
    assert message.status == "rejected"
    assert "account 123" not in text_of(found_client.get("/consent/answer/"))
    with pytest.raises(InvalidTransition):
        relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=True)


def test_approval_needs_consent_at_that_moment(personas: Any, located_case: Case, issued: Any) -> None:
    consent = give_consent(personas, located_case, "relay_messages")
    message = relay_message_send(access=_enquirer_access(located_case), body="Hello",
                                 found_person_id=sought(located_case).id)
    consent_withdraw(acting_user=personas.caseworker, case_id=located_case.id, consent_id=consent.pk)
    with pytest.raises(InvalidTransition):
        relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=True)
    message.refresh_from_db()
    assert message.status == "pending_review"


def test_only_the_owning_office_reviews(personas: Any, located_case: Case, issued: Any) -> None:
    give_consent(personas, located_case, "relay_messages")
    message = relay_message_send(access=_enquirer_access(located_case), body="Hello",
                                 found_person_id=sought(located_case).id)
    with pytest.raises(NotFound):
        relay_message_review(acting_user=personas.outsider, message_id=message.id, approve=True)
    with pytest.raises(NotPermitted):
        relay_message_review(acting_user=personas.auditor, message_id=message.id, approve=True)
    message.refresh_from_db()
    assert message.status == "pending_review"
