"""case_open: reference numbers, encrypted persons, search terms, audit event, access."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEvent
from cases.actions import case_open
from cases.models import Case, Person, PersonSearchTerm
from cases.workflow import State
from tracing.exceptions import NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_it_opens_a_case_with_a_readable_reference(personas: Any, case_data: dict) -> None:
    case = case_open(acting_user=personas.caseworker, **case_data)
    second = case_open(acting_user=personas.caseworker, **case_data)
    case.refresh_from_db()
    assert case.reference.startswith("NL-") and case.reference.endswith("-00001")
    assert second.reference.endswith("-00002")
    assert case.state == State.RECEIVED
    assert case.assigned_to == personas.caseworker
    assert case.office == personas.home


def test_it_stores_persons_encrypted_and_reads_them_back(personas: Any, case_data: dict) -> None:
    case = case_open(acting_user=personas.caseworker, **case_data)
    sought = Person.objects.get(case=case, role="sought")
    assert sought.display_name == "Mohammed Abdi Hassan"
    assert str(sought.birth_date) == "~1988"
    assert {n.full for n in sought.names.all()} == {"Mohammed Abdi Hassan", "محمد عبدي حسن"}
    enquirer = Person.objects.get(case=case, role="enquirer")
    assert enquirer.phone == "+31612345678"  # normalised to E.164
    with connection.cursor() as cur:
        cur.execute("SELECT display_name, phone, birth_place FROM cases_person")
        raw = " ".join(str(v) for row in cur.fetchall() for v in row)
    assert "Hassan" not in raw and "Kismayo" not in raw and "31612345678" not in raw
    assert raw.count("v1$") >= 4


def test_it_writes_search_terms_and_an_audit_event(personas: Any, case_data: dict) -> None:
    case = case_open(acting_user=personas.caseworker, **case_data)
    assert PersonSearchTerm.objects.filter(person__case=case, index="token").count() >= 5
    event = AuditEvent.objects.get(event_type="case.opened", case_id=str(case.id))
    assert event.actor_id == personas.caseworker.pk
    assert "Hassan" not in str(event.data)


def test_it_makes_cases_with_minors_urgent(personas: Any, case_data: dict) -> None:
    case_data["sought"][0]["is_minor"] = True
    case = case_open(acting_user=personas.caseworker, **case_data)
    assert case.priority == 1 and case.involves_minor


def test_it_refuses_roles_that_do_not_open_cases(personas: Any, case_data: dict) -> None:
    for user in (personas.admin, personas.auditor, personas.nobody):
        with pytest.raises(NotPermitted):
            case_open(acting_user=user, **case_data)
    assert Case.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="case.opened").exists()


def test_bad_input_changes_nothing(personas: Any, case_data: dict) -> None:
    case_data["sought"][0]["birth_date"] = "1988-13"
    with pytest.raises(ValidationFailed) as err:
        case_open(acting_user=personas.caseworker, **case_data)
    assert "birth_date" in err.value.field_errors
    assert Case.objects.count() == 0 and Person.objects.count() == 0
