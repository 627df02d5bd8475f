"""enquirer_access_issue / found_access_issue: codes shown once, stored as a slow hash, reissue revokes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client

from cases.models import Case
from tests.enquirer.conftest import enquirer, events, sign_in, sought, walk
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage
from tracing.public.actions import enquirer_access_issue, found_access_issue
from tracing.public.codes import ALPHABET, CODE_LENGTH, code_normalise
from tracing.public.models import PublicAccess

pytestmark = pytest.mark.django_db


def test_letter_code_is_high_entropy_grouped_and_stored_only_hashed(personas: Any, accepted_case: Case) -> None:
    issued = enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="letter")
    assert len(issued.code) == CODE_LENGTH and set(issued.code) <= set(ALPHABET)
    assert issued.code_display.count("-") == 2 and code_normalise(issued.code_display) == issued.code
    row = PublicAccess.objects.get(pk=issued.access.pk)
    assert issued.code not in row.code_hash and check_password(issued.code, row.code_hash)
    assert row.audience == "enquirer" and row.person == enquirer(accepted_case)
    assert row.issued_by == personas.caseworker
    assert issued.login == accepted_case.reference
    # A letter sends nothing: the code exists only in the printed page.
    assert not OutboxMessage.objects.filter(kind="enquirer.access_code").exists()
    first, event = events(accepted_case, "public.access_issued")  # the first came with "accepted"
    assert first.data["channel"] == "email"
    assert event.data["channel"] == "letter" and event.data["revoked"] == 1 and issued.code not in str(event.data)


def test_email_code_goes_through_the_outbox_in_the_enquirers_language(personas: Any, accepted_case: Case,
                                                                        mailoutbox: list) -> None:
    PublicAccess.objects.filter(case=accepted_case).update(language="fr")
    issued = enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="email")
    message = OutboxMessage.objects.get(kind="enquirer.access_code")
    assert message.recipient == "amina.enquirer@example.org" and message.language == "fr"
    assert issued.code_display in message.body and "Code d'accès" in message.body
    assert "Hassan" not in message.body and "Mohammed" not in message.body


def test_reissue_revokes_the_previous_code(personas: Any, accepted_case: Case) -> None:
    first = enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="sms")
    second = enquirer_access_issue(acting_user=personas.supervisor, case_id=accepted_case.id, channel="letter")
    first.access.refresh_from_db()
    assert first.access.revoked_at is not None and second.access.revoked_at is None
    assert sign_in(Client(), first).status_code == 400
    assert sign_in(Client(), second).status_code == 302


def test_accepting_a_request_sends_a_working_first_code(personas: Any, open_case: Case, mailoutbox: list) -> None:
    walk(personas, open_case, "start_review", "accept")
    message = OutboxMessage.objects.get(kind="enquirer.stage", case_id=open_case.id)
    assert PublicAccess.objects.filter(case=open_case, audience="enquirer", revoked_at__isnull=True).count() == 1
    code = next(line.split(":", 1)[1].strip() for line in message.body.splitlines() if line.startswith("Access code"))
    response = Client().post("/status/", {"reference": open_case.reference, "code": code})
    assert response.status_code == 302 and response["Location"] == "/status/case/"


def test_no_status_page_before_the_decision(personas: Any, open_case: Case) -> None:
    with pytest.raises(InvalidTransition):
        enquirer_access_issue(acting_user=personas.caseworker, case_id=open_case.id, channel="letter")
    assert not PublicAccess.objects.exists()


def test_email_needs_an_address(personas: Any, accepted_case: Case) -> None:
    with pytest.raises(ValidationFailed):
        found_access_issue(acting_user=personas.caseworker, case_id=walk(
            personas, accepted_case, "start_search", "mark_located").id,
            person_id=sought(accepted_case).id, channel="email")


def test_found_person_gets_a_handle_not_the_case_reference(personas: Any, located_case: Case) -> None:
    issued = found_access_issue(acting_user=personas.caseworker, case_id=located_case.id,
                                person_id=sought(located_case).id, channel="sms")
    assert issued.login.startswith("F") and located_case.reference not in issued.login
    assert issued.access.handle == issued.login and issued.access.audience == "found"


def test_only_the_owning_office_issues_codes(personas: Any, accepted_case: Case) -> None:
    for user in (personas.outsider, personas.partner_caseworker, personas.nobody):
        with pytest.raises(NotFound):
            enquirer_access_issue(acting_user=user, case_id=accepted_case.id, channel="letter")
    for user in (personas.auditor,):
        with pytest.raises(NotPermitted):
            enquirer_access_issue(acting_user=user, case_id=accepted_case.id, channel="letter")
    assert not PublicAccess.objects.filter(case=accepted_case, channel="letter").exists()
