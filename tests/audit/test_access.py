"""log_access: the right columns, blind-index terms only, and no plaintext anywhere."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from audit.access import AccessKind, Purpose, log_access
from audit.models import AuditEvent
from audit.verify import verify_chain
from tests.audit.conftest import PLAINTEXT, plaintext_in
from tracing.crypto import blind


@pytest.mark.django_db
def test_view_of_another_offices_case(caseworker: Any, office: Any, other_office: Any) -> None:
    case_id, person = uuid.uuid4(), uuid.uuid4()
    event = log_access(user=caseworker, kind=AccessKind.VIEW, case_ids=[case_id], person_ids=[person],
                       purpose=Purpose.PARTNER_REQUEST, office=other_office)
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.event_type == "access.view"
    assert (stored.actor_id, stored.actor_username) == (caseworker.pk, "cw_audit")
    assert (stored.actor_office_id, stored.office_id) == (office.pk, other_office.pk)
    assert stored.case_id == str(case_id) and stored.person_ids == [str(person)]
    assert stored.data == {"kind": "view", "purpose": "partner_request", "case_ids": [str(case_id)]}
    assert stored.occurred_at is not None and verify_chain().ok


@pytest.mark.django_db
def test_search_logs_blind_terms_and_result_cases(caseworker: Any) -> None:
    terms = [f"token:{blind.term('token', 'amina')}", f"phonetic:{blind.term('phonetic', 'm:AMN')}"]
    cases = [uuid.uuid4(), uuid.uuid4()]
    event = log_access(user=caseworker, kind="search", case_ids=cases, terms=terms,
                       purpose=Purpose.ASSIGNED_WORK, detail={"results": 2})
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.event_type == "access.search" and stored.case_id is None
    assert stored.data["terms"] == sorted(terms)
    assert stored.data["case_ids"] == [str(c) for c in cases]
    assert stored.data["detail"] == {"results": 2}
    assert "amina" not in str(stored.data).lower()


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["amina", "token:amina", "token:abc", "nosuch:a1b2c3", "full_name:a1b2c3"])
def test_anything_but_a_blind_term_is_refused(caseworker: Any, term: str) -> None:
    with pytest.raises(ValueError, match="blind-index"):
        log_access(user=caseworker, kind="search", terms=[term])
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_kind_purpose_and_terms_are_checked(caseworker: Any) -> None:
    with pytest.raises(ValueError):
        log_access(user=caseworker, kind="peek")
    with pytest.raises(ValueError):
        log_access(user=caseworker, kind="view", purpose="curiosity")
    with pytest.raises(ValueError, match="only logged for searches"):
        log_access(user=caseworker, kind="view", terms=[f"token:{blind.term('token', 'x')}"])
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_auditor_view_export_and_api_read(auditor: Any, caseworker: Any) -> None:
    case_id = uuid.uuid4()
    log_access(user=auditor, kind=AccessKind.AUDITOR_VIEW, case_ids=[case_id], purpose=Purpose.AUDIT)
    log_access(user=caseworker, kind=AccessKind.EXPORT, case_ids=[case_id], detail={"format": "xlsx"})
    log_access(user=caseworker, kind=AccessKind.API_READ, case_ids=[case_id])
    rows = list(AuditEvent.objects.filter(case_id=str(case_id)).values_list("event_type", "actor_username"))
    assert rows == [("access.auditor_view", "aud_audit"), ("access.export", "cw_audit"),
                    ("access.api_read", "cw_audit")]


def test_the_plaintext_detector_does_detect() -> None:
    # Guards the guard: an event carrying a sample name must be flagged (never saved here).
    assert {"Amina", "Yusuf", "Kismayo"} <= set(PLAINTEXT)
    leaky = AuditEvent(seq=1, event_type="case.updated", data={"given_names": "Amina"})
    assert plaintext_in(leaky) == ["Amina"]
    assert plaintext_in(AuditEvent(seq=1, event_type="case.updated", data={"fields": ["given_names"]})) == []


@pytest.mark.django_db
def test_no_event_holds_a_plaintext_name(caseworker: Any) -> None:
    """Search for and view the sample case's people the way the UI will, then read the log."""
    for name in ["Amina Yusuf", "Mohammed Abdi Hassan"]:
        terms = [f"token:{blind.term('token', t)}" for t in name.lower().split()]
        log_access(user=caseworker, kind="search", terms=terms, detail={"results": 1})
        log_access(user=caseworker, kind="view", case_ids=[uuid.uuid4()], purpose=Purpose.ASSIGNED_WORK)
    events = list(AuditEvent.objects.all())
    assert len(events) == 4
    assert [plaintext_in(e) for e in events] == [[]] * 4
