"""The found person's consent page: consent_record_online / consent_withdraw_online, in their language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.models import Case, Consent
from tests.enquirer.conftest import SOUGHT_WORDS, events, sought, text_of
from tracing.exceptions import NotFound
from tracing.models import OutboxMessage
from tracing.public.actions import found_access_issue
from tracing.public.models import PublicAccess, RelayMessage

pytestmark = pytest.mark.django_db


def test_the_page_explains_each_answer_in_plain_words(found_client: Client) -> None:
    html = text_of(found_client.get("/consent/answer/"))
    assert "Amina Yusuf asked us to help find you." in html
    for words in ("Yes, give them my contact details.", "Pass on messages, but do not give my address.",
                  "Only tell them that I am alive and well.", "Tell them nothing."):
        assert words in html
    assert 'name="answer-scope"' in html


def test_online_consent_is_recorded_with_source_online(personas: Any, located_case: Case, found_issued: Any,
                                                       found_client: Client) -> None:
    response = found_client.post("/consent/answer/", {"answer-scope": "relay_messages",
                                                      "answer-message": "Tell my sister I miss her."})
    assert response.status_code == 302
    consent = Consent.objects.get(case=located_case)
    assert consent.source == "online" and consent.scope == "relay_messages" and consent.recorded_by is None
    assert consent.person == sought(located_case) and consent.withdrawn_at is None
    (event,) = events(located_case, "consent.recorded")
    assert event.actor_id is None and event.data["source"] == "online"
    message = RelayMessage.objects.get()
    assert message.direction == "to_enquirer" and message.status == "pending_review"
    assert OutboxMessage.objects.filter(kind="office.consent_online", to_user=personas.caseworker).exists()
    found_issued.access.refresh_from_db()
    assert found_issued.access.answered_at is not None
    assert "Your answer" in text_of(found_client.get("/consent/answer/"))


def test_a_message_is_dropped_when_the_answer_does_not_allow_messages(located_case: Case, found_client: Client) -> None:
    found_client.post("/consent/answer/", {"answer-scope": "alive_only", "answer-message": "Hello"})
    assert Consent.objects.get(case=located_case).scope == "alive_only"
    assert not RelayMessage.objects.exists()


def test_a_new_answer_replaces_the_old_and_withdrawal_ends_it(located_case: Case, found_client: Client) -> None:
    found_client.post("/consent/answer/", {"answer-scope": "share_contact"})
    found_client.post("/consent/answer/", {"answer-scope": "no_contact"})
    assert list(Consent.objects.filter(case=located_case, withdrawn_at__isnull=True).values_list(
        "scope", flat=True)) == ["no_contact"]
    assert found_client.post("/consent/answer/withdraw/").status_code == 302
    assert not Consent.objects.filter(case=located_case, withdrawn_at__isnull=True).exists()
    assert [e.data["source"] for e in events(located_case, "consent.withdrawn")] == ["online"]


def test_an_answer_must_be_chosen(located_case: Case, found_client: Client) -> None:
    response = found_client.post("/consent/answer/", {"answer-scope": "everything"})
    assert response.status_code == 400 and not Consent.objects.exists()


@pytest.mark.parametrize(("lang", "words", "direction"), [
    ("en", "A member of your family is looking for you", "ltr"),
    ("nl", "Iemand uit uw familie is naar u op zoek", "ltr"),
    ("fr", "Un membre de votre famille vous recherche", "ltr"),
    ("ar", "أحد أفراد عائلتك يبحث عنك", "rtl"),
])
def test_the_consent_page_in_each_language(found_client: Client, lang: str, words: str, direction: str) -> None:
    html = text_of(found_client.get(f"/consent/answer/?lang={lang}"))
    assert f'<html lang="{lang}" dir="{direction}">' in html and words in html


def test_the_found_person_sees_nothing_of_their_own_case_file(found_client: Client) -> None:
    # Names, places and the case reference stay with the office.
    main = text_of(found_client.get("/consent/answer/")).split("<main", 1)[1]
    assert not any(word in main for word in SOUGHT_WORDS) and "NL-2026" not in main


def test_only_the_owning_office_gives_consent_links(personas: Any, located_case: Case) -> None:
    with pytest.raises(NotFound):
        found_access_issue(acting_user=personas.partner_caseworker, case_id=located_case.id,
                           person_id=sought(located_case).id, channel="letter")
    assert not PublicAccess.objects.filter(audience="found").exists()
