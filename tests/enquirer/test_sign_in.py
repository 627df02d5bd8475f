"""The sign-in page (/status/ and /consent/): sessions, audit, generic errors, rate limits, lockout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from cases.models import Case
from tests.enquirer.conftest import events, sign_in, text_of
from tracing.models import OutboxMessage
from tracing.public.actions import IssuedAccess, enquirer_access_issue
from tracing.public.models import PublicAccess

pytestmark = pytest.mark.django_db

WRONG = "We could not sign you in"
BLOCKED = "Too many attempts"


def _form(response: Any, reference: str) -> str:
    """The sign-in form as answered, without what legitimately differs (CSRF token, the typed reference)."""
    html = text_of(response).split("<main")[1].split("</form>")[0].replace(reference, "X")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _wrong(issued: IssuedAccess) -> str:
    # A well-formed code that is not this one.
    return "AAAA-AAAA-AA" if issued.code != "AAAAAAAAAA" else "CCCC-CCCC-CC"


def test_sign_in_opens_a_session_and_is_audited_without_code_or_name(accepted_case: Case,
                                                                     issued: IssuedAccess) -> None:
    client = Client()
    response = sign_in(client, issued, code=issued.code.lower())  # case and dashes do not matter
    assert response.status_code == 302 and response["Location"] == "/status/case/"
    assert client.get("/status/case/").status_code == 200
    (event,) = events(accepted_case, "enquirer.access")
    assert event.actor_id is None and event.data["access_id"] == str(issued.access.pk)
    flat = str(event.data)
    assert issued.code not in flat and "Amina" not in flat and accepted_case.reference not in flat
    issued.access.refresh_from_db()
    assert issued.access.last_used_at is not None


def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer(accepted_case: Case, issued: IssuedAccess) -> None:
    wrong = Client().post("/status/", {"reference": accepted_case.reference, "code": _wrong(issued)})
    unknown = Client().post("/status/", {"reference": "NL-2026-99999", "code": issued.code})
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG in text_of(wrong) and WRONG in text_of(unknown)
    assert _form(wrong, accepted_case.reference) == _form(unknown, "NL-2026-99999")
    failed = list(AuditEvent.objects.filter(event_type="enquirer.access_failed").order_by("seq"))
    assert [e.data["reason"] for e in failed] == ["wrong_code", "unknown_reference"]
    assert failed[0].case_id == str(accepted_case.id) and failed[1].case_id is None
    assert all(issued.code not in str(e.data) and "NL-2026" not in str(e.data) for e in failed)


def test_five_wrong_codes_lock_the_reference_and_alert_the_caseworker(settings: Any, personas: Any,
                                                                      accepted_case: Case,
                                                                      issued: IssuedAccess) -> None:
    for _ in range(5):
        response = Client().post("/status/", {"reference": accepted_case.reference, "code": _wrong(issued)})
        assert WRONG in text_of(response)
    # Now even the right code is refused, with the same words as for any locked reference.
    locked = sign_in(Client(), issued)
    assert locked.status_code == 400 and BLOCKED in text_of(locked)
    issued.access.refresh_from_db()
    assert issued.access.locked_until is not None and issued.access.failed_attempts == 5
    (alert,) = OutboxMessage.objects.filter(kind="public.access_locked")
    assert alert.to_user == personas.caseworker and accepted_case.reference in alert.subject
    reasons = [e.data["reason"] for e in events(accepted_case, "enquirer.access_failed")]
    assert reasons == ["wrong_code"] * 5 + ["locked"]
    # An unknown reference locks the same way, so a lock tells nothing about existence.
    for _ in range(5):
        Client().post("/status/", {"reference": "NL-2026-99999", "code": _wrong(issued)})
    assert BLOCKED in text_of(Client().post("/status/", {"reference": "NL-2026-99999", "code": "x"}))


def test_a_new_code_lifts_the_lock(personas: Any, accepted_case: Case, issued: IssuedAccess,
                                   django_capture_on_commit_callbacks: Any) -> None:
    for _ in range(5):
        Client().post("/status/", {"reference": accepted_case.reference, "code": _wrong(issued)})
    with django_capture_on_commit_callbacks(execute=True):
        fresh = enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="letter")
    assert sign_in(Client(), fresh).status_code == 302


def test_attempts_are_rate_limited_per_client_address(settings: Any, accepted_case: Case,
                                                      issued: IssuedAccess) -> None:
    settings.PUBLIC_ACCESS_ATTEMPTS_PER_ADDRESS = 3
    for n in range(3):
        Client().post("/status/", {"reference": f"XX-{n}", "code": "nope"}, REMOTE_ADDR="203.0.113.9")
    blocked = sign_in(Client(), issued, REMOTE_ADDR="203.0.113.9")
    assert BLOCKED in text_of(blocked)
    assert sign_in(Client(), issued, REMOTE_ADDR="203.0.113.10").status_code == 302  # another address is not held
    last = AuditEvent.objects.filter(event_type="enquirer.access_failed").order_by("-seq").first()
    assert last.data["reason"] == "rate_limited_address"


def test_attempts_are_rate_limited_per_reference(settings: Any, accepted_case: Case, issued: IssuedAccess) -> None:
    settings.PUBLIC_ACCESS_ATTEMPTS_PER_REFERENCE = 2
    settings.PUBLIC_ACCESS_LOCK_AFTER = 99
    for n in range(2):
        Client().post("/status/", {"reference": accepted_case.reference, "code": _wrong(issued)},
                      REMOTE_ADDR=f"198.51.100.{n}")
    assert BLOCKED in text_of(sign_in(Client(), issued, REMOTE_ADDR="198.51.100.50"))
    assert not AuditEvent.objects.filter(event_type="enquirer.access").exists()


def test_enquirer_codes_do_not_open_the_consent_page(accepted_case: Case, issued: IssuedAccess,
                                                     enquirer_client: Client) -> None:
    assert enquirer_client.get("/consent/answer/")["Location"] == "/consent/"
    assert sign_in(Client(), issued, path="/consent/").status_code == 400


def test_an_idle_session_ends(settings: Any, enquirer_client: Client) -> None:
    settings.PUBLIC_SESSION_SECONDS = -1
    assert enquirer_client.get("/status/case/")["Location"] == "/status/"


def test_sign_out(enquirer_client: Client) -> None:
    assert enquirer_client.post("/status/sign-out/").status_code == 302
    assert enquirer_client.get("/status/case/")["Location"] == "/status/"
    assert PublicAccess.objects.filter(revoked_at__isnull=True).count() == 1  # signing out revokes nothing
