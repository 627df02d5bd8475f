"""Stage emails to the enquirer (cases.notifications): templated, in their language, nothing of the sought person."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case
from tests.enquirer.conftest import SOUGHT_WORDS, give_consent, walk
from tracing.models import OutboxMessage
from tracing.public.models import PublicAccess

pytestmark = pytest.mark.django_db


def _stage_emails(case: Case) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(case_id=case.id, kind="enquirer.stage").order_by("created_at"))


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "We are working on your request"),
    ("nl", "We werken aan uw verzoek"),
    ("fr", "Nous travaillons sur votre demande"),
    ("ar", "نعمل على طلبك"),
])
def test_stage_email_in_the_enquirers_language(personas: Any, accepted_case: Case, lang: str, words: str) -> None:
    PublicAccess.objects.filter(case=accepted_case).update(language=lang)
    walk(personas, accepted_case, "start_search")
    email = _stage_emails(accepted_case)[-1]
    assert email.language == lang and words in email.body and accepted_case.reference in email.subject
    assert not any(w in email.body for w in SOUGHT_WORDS)
    assert "/status/" in email.body and "Access code" not in email.body  # only the first email carries a code


def test_consent_refused_is_not_announced_to_the_enquirer(personas: Any, located_case: Case) -> None:
    before = len(_stage_emails(located_case))
    walk(personas, located_case, "record_consent_refused")
    assert len(_stage_emails(located_case)) == before


def test_news_after_consent_says_only_that_there_is_news(personas: Any, located_case: Case) -> None:
    give_consent(personas, located_case, "share_contact")
    from tests.enquirer.conftest import disclose

    disclose(personas, located_case, "contact", "Phone +254 700 000 001")
    walk(personas, located_case, "record_consent_given", "share_contact")
    email = _stage_emails(located_case)[-1]
    assert "There is news about your relative" in email.body
    assert "+254" not in email.body and not any(w in email.body for w in SOUGHT_WORDS)


def test_declined_email_gives_the_reason_in_plain_words(personas: Any, open_case: Case) -> None:
    walk(personas, open_case, "start_review", "decline", decline="debt_or_legal")
    (email,) = _stage_emails(open_case)
    assert "We do not search for people because of debts or court cases." in email.body
    assert "debt_or_legal" not in email.body
    assert not PublicAccess.objects.filter(case=open_case).exists()  # no code comes with a decline by itself
