"""What the status page tells about a found person: exactly what the consent in force allows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.actions import consent_withdraw
from cases.models import Case
from tests.enquirer.conftest import disclose, give_consent, text_of, walk
from tracing.exceptions import NotPermitted
from tracing.public.actions import relay_message_review
from tracing.public.models import RelayMessage

pytestmark = pytest.mark.django_db

ALIVE = "has been found and is alive and well"
CONTACT = "Phone +254 700 000 001, agreed with him on 3 March."
REPLY = "I am well and think of you every day."


def _page(client: Client) -> str:
    return text_of(client.get("/status/case/")).split("<main", 1)[1]


@pytest.fixture
def consent_case(personas: Any, accepted_case: Case, enquirer_client: Client) -> Case:
    return walk(personas, accepted_case, "start_search", "mark_located", "request_consent")


def _reply(personas: Any, case: Case) -> RelayMessage:
    """A message of the found person to the enquirer, approved by the caseworker."""
    message = RelayMessage.objects.create(case=case, found_person=case.persons.get(role="sought"),
                                          direction="to_enquirer", data_key=case.persons.get(role="sought").data_key,
                                          body=REPLY)
    return relay_message_review(acting_user=personas.caseworker, message_id=message.id, approve=True)


@pytest.mark.parametrize(("scope", "alive", "contact", "messages"), [
    ("share_contact", True, True, True),
    ("relay_messages", True, False, True),
    ("alive_only", True, False, False),
    ("no_contact", False, False, False),
])
def test_each_scope_shows_exactly_its_disclosures(personas: Any, consent_case: Case, enquirer_client: Client,
                                                  scope: str, alive: bool, contact: bool, messages: bool) -> None:
    give_consent(personas, consent_case, scope)
    if contact:
        disclose(personas, consent_case, "contact", CONTACT)
    else:
        with pytest.raises(NotPermitted):
            disclose(personas, consent_case, "contact", CONTACT)
    if messages:
        _reply(personas, consent_case)
    page = _page(enquirer_client)
    assert (ALIVE in page) is alive
    assert ('data-stage="found"' in page) is alive
    assert (CONTACT in page) is contact
    assert (REPLY in page) is messages
    assert ('name="message-body"' in page) is messages
    assert "Mohammed" not in page and "Hassan" not in page and "Dadaab" not in page


def test_withdrawal_stops_every_disclosure(personas: Any, consent_case: Case, enquirer_client: Client) -> None:
    consent = give_consent(personas, consent_case, "share_contact")
    disclose(personas, consent_case, "contact", CONTACT)
    _reply(personas, consent_case)
    assert CONTACT in _page(enquirer_client)
    consent_withdraw(acting_user=personas.caseworker, case_id=consent_case.id, consent_id=consent.pk)
    page = _page(enquirer_client)
    assert ALIVE not in page and CONTACT not in page and REPLY not in page
    assert 'data-stage="searching"' in page


def test_a_narrower_new_consent_hides_what_the_old_one_allowed(personas: Any, consent_case: Case,
                                                               enquirer_client: Client) -> None:
    give_consent(personas, consent_case, "share_contact")
    disclose(personas, consent_case, "contact", CONTACT)
    give_consent(personas, consent_case, "alive_only")  # replaces the first
    page = _page(enquirer_client)
    assert ALIVE in page and CONTACT not in page


def test_consent_for_a_closed_case_still_says_alive_but_stage_is_closed(personas: Any, consent_case: Case,
                                                                        enquirer_client: Client) -> None:
    give_consent(personas, consent_case, "alive_only")
    walk(personas, consent_case, "record_consent_given", "close", close="reunited")
    page = _page(enquirer_client)
    assert 'data-stage="closed"' in page and ALIVE in page and "Contact with your relative has been restored" in page
