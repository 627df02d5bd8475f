"""The status page: the right plain-language stage for every state, in four languages, and nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cases.actions import note_add
from cases.models import Case
from cases.workflow import State
from tests.enquirer.conftest import SOUGHT_WORDS, events, text_of
from tracing.public.stages import STAGES

pytestmark = pytest.mark.django_db

EXPECTED_STAGE = {
    State.RECEIVED: "checking", State.ELIGIBILITY_REVIEW: "checking", State.ACCEPTED: "accepted",
    State.DECLINED: "declined", State.SEARCHING: "searching", State.LOCATED: "searching",
    State.CONSENT_REQUESTED: "searching", State.CONSENT_REFUSED: "searching", State.CONSENT_GIVEN: "searching",
    State.CONTACT_SHARED: "searching", State.MESSAGE_RELAYED: "searching", State.NOT_FOUND: "not_found",
    State.DECEASED: "contact_us", State.WITHDRAWN: "withdrawn", State.UNREACHABLE: "unreachable",
    State.CLOSED: "closed",
}


def _force(case: Case, state: str, reason: str = "") -> None:
    # Set-up only: every state, without walking the workflow to it.
    case.state, case.state_reason = state, reason
    case.save(update_fields=["state", "state_reason"])


def _stage(response: Any) -> str:
    return re.search(r'data-stage="([a-z_]+)"', text_of(response))[1]


def _main(response: Any) -> str:
    return text_of(response).split("<main", 1)[1]


@pytest.mark.parametrize("state", State.values)
def test_every_state_has_a_plain_stage_and_says_nothing_of_the_sought_person(state: str, accepted_case: Case,
                                                                           enquirer_client: Client) -> None:
    _force(accepted_case, state)
    response = enquirer_client.get("/status/case/")
    assert response.status_code == 200
    assert _stage(response) == EXPECTED_STAGE[state]
    assert str(STAGES[EXPECTED_STAGE[state]].title) in text_of(response)
    main = _main(response)
    assert not any(word in main for word in SOUGHT_WORDS)
    assert "alive and well" not in main  # no consent recorded: nothing about the person
    # Neither the internal state's name nor any hint that the person was found or died.
    words = re.sub(r'data-stage="[a-z_]+"', "", main).lower()
    assert "found" not in words.replace("did not find", "") and "died" not in words
    if state in (State.LOCATED, State.CONSENT_REQUESTED, State.CONSENT_REFUSED, State.CONSENT_GIVEN,
                 State.CONTACT_SHARED, State.MESSAGE_RELAYED, State.DECEASED):
        assert str(State(state).label) not in main


def test_the_page_read_is_audited(accepted_case: Case, enquirer_client: Client) -> None:
    enquirer_client.get("/status/case/")
    assert len(events(accepted_case, "enquirer.access")) == 1  # the sign-in; reading adds no personal data


@pytest.mark.parametrize(("reason", "words"), [
    ("not_relative", "we could not confirm that you are related"),
    ("risk_to_sought", "We are not able to search in this situation."),
    ("insufficient_information", "We do not have enough information"),
])
def test_declined_with_the_reason_in_plain_words(accepted_case: Case, enquirer_client: Client, reason: str,
                                                 words: str) -> None:
    _force(accepted_case, State.DECLINED, reason)
    response = enquirer_client.get("/status/case/")
    assert _stage(response) == "declined" and words in text_of(response)
    assert reason not in _main(response)


@pytest.mark.parametrize(("reason", "stage", "words"), [
    ("reunited", "closed", "Contact with your relative has been restored."),
    ("not_found", "closed", "did not find your relative"),
    ("contact_refused", "closed", "We were not able to restore contact."),
    ("deceased", "contact_us", "news that they want to give you in person"),
    ("duplicate", "closed", "joined with another request"),
])
def test_closed_outcomes(accepted_case: Case, enquirer_client: Client, reason: str, stage: str, words: str) -> None:
    _force(accepted_case, State.CLOSED, reason)
    response = enquirer_client.get("/status/case/")
    assert _stage(response) == stage and words in text_of(response)
    assert "died" not in text_of(response) and "deceased" not in _main(response)


def test_only_notes_for_the_enquirer_are_shown(personas: Any, accepted_case: Case, enquirer_client: Client) -> None:
    note_add(acting_user=personas.caseworker, case_id=accepted_case.id, visibility="enquirer",
             body="We wrote to the camp administration on your behalf.")
    note_add(acting_user=personas.caseworker, case_id=accepted_case.id, visibility="internal",
             body="Internal: sought person may be in Dadaab, check with KE.")
    note_add(acting_user=personas.caseworker, case_id=accepted_case.id, visibility="shareable",
             body="For partners: registration number 12345.")
    main = _main(enquirer_client.get("/status/case/"))
    assert "We wrote to the camp administration on your behalf." in main
    assert "Internal:" not in main and "12345" not in main


@pytest.mark.parametrize(("lang", "title", "direction"), [
    ("en", "Your request has been accepted", "ltr"),
    ("nl", "Uw verzoek is aanvaard", "ltr"),
    ("fr", "Votre demande a été acceptée", "ltr"),
    ("ar", "تم قبول طلبك", "rtl"),
])
def test_the_page_in_each_language(accepted_case: Case, enquirer_client: Client, lang: str, title: str,
                                   direction: str) -> None:
    response = enquirer_client.get(f"/status/case/?lang={lang}")
    html = text_of(response)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert title in html and _stage(response) == "accepted"
    assert not any(word in _main(response) for word in SOUGHT_WORDS)
    # The choice sticks for the next page and for emails (stored on the access code).
    assert title in text_of(enquirer_client.get("/status/case/"))
    assert accepted_case.public_accesses.get(revoked_at__isnull=True).language == lang


def test_the_enquirers_stored_language_is_used_at_sign_in(accepted_case: Case, issued: Any) -> None:
    issued.access.language = "ar"
    issued.access.save(update_fields=["language"])
    client = Client()
    client.post("/status/", {"reference": issued.login, "code": issued.code})
    html = text_of(client.get("/status/case/"))
    assert 'lang="ar" dir="rtl"' in html and "تم قبول طلبك" in html


def test_sign_in_page_in_arabic_is_right_to_left() -> None:
    html = text_of(Client().get("/status/?lang=ar"))
    assert '<html lang="ar" dir="rtl">' in html and "متابعة طلب البحث الخاص بك" in html


def test_without_a_session_the_page_asks_to_sign_in(accepted_case: Case) -> None:
    response = Client().get("/status/case/")
    assert response.status_code == 302 and response["Location"] == "/status/"
    assert Client().post("/status/case/contact/", {"contact-email": "x@example.org"})["Location"] == "/status/"
