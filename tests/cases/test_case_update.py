"""case_update and person_update: optimistic concurrency, validation, history, access."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import case_assign, case_update, person_update
from cases.models import Case, Person
from tracing.exceptions import Conflict, NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_two_caseworkers_cannot_silently_overwrite_each_other(personas: Any, open_case: Case) -> None:
    seen_by_both = open_case.version
    case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=seen_by_both,
                separation_place="Kismaayo port")
    with pytest.raises(Conflict):
        case_update(acting_user=personas.caseworker2, case_id=open_case.id, expected_version=seen_by_both,
                    separation_place="Mogadishu")
    open_case.refresh_from_db()
    assert open_case.separation_place == "Kismaayo port"
    assert open_case.version == seen_by_both + 1


def test_update_records_changed_field_names_only(personas: Any, open_case: Case) -> None:
    case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=open_case.version,
                separation_place="Kismaayo port", separation_cause="conflict")
    event = AuditEvent.objects.filter(event_type="case.updated").latest("seq")
    assert event.data["fields"] == ["separation_place"]
    assert "Kismaayo" not in str(event.data)
    assert open_case.history.count() >= 2


def test_minors_raise_priority(personas: Any, open_case: Case) -> None:
    case = case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=open_case.version,
                       vulnerable=True)
    assert case.priority == 1


def test_unknown_fields_are_refused(personas: Any, open_case: Case) -> None:
    with pytest.raises(ValidationFailed):
        case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=None, office_id=2)


def test_access(personas: Any, open_case: Case) -> None:
    with pytest.raises(NotFound):
        case_update(acting_user=personas.outsider, case_id=open_case.id, expected_version=None, vulnerable=True)
    with pytest.raises(NotPermitted):
        case_update(acting_user=personas.auditor, case_id=open_case.id, expected_version=None, vulnerable=True)
    open_case.refresh_from_db()
    assert open_case.vulnerable is False


def test_person_update_reindexes_and_validates(personas: Any, open_case: Case) -> None:
    sought = Person.objects.get(case=open_case, role="sought")
    person_update(acting_user=personas.caseworker, person_id=sought.id, expected_version=open_case.version,
                  data={"names": [{"given_names": "Maxamed", "family_name": "Xasan"}], "phone": "+254 712 345678"})
    sought.refresh_from_db()
    assert sought.display_name == "Maxamed Xasan" and sought.phone == "+254712345678"
    with pytest.raises(ValidationFailed) as err:
        person_update(acting_user=personas.caseworker, person_id=sought.id, data={"phone": "12", "birth_date": "x"})
    assert set(err.value.field_errors) == {"phone", "birth_date"}


def test_only_supervisors_assign_and_only_to_their_office(personas: Any, open_case: Case) -> None:
    with pytest.raises(NotPermitted):
        case_assign(acting_user=personas.caseworker, case_id=open_case.id, assignee_id=personas.caseworker2.pk)
    with pytest.raises(ValidationFailed):
        case_assign(acting_user=personas.supervisor, case_id=open_case.id, assignee_id=personas.outsider.pk)
    case = case_assign(acting_user=personas.supervisor, case_id=open_case.id, assignee_id=personas.caseworker2.pk)
    assert case.assigned_to == personas.caseworker2
    assert AuditEvent.objects.filter(event_type="case.assigned", case_id=str(case.id)).exists()


def test_a_case_erased_by_retention_takes_no_new_data(personas: Any, open_case: Case) -> None:
    from cases.actions import note_add
    from tracing.crypto.datakeys import data_key_destroy

    data_key_destroy(open_case.data_key)
    version = Case.objects.get(pk=open_case.pk).version
    with pytest.raises(ValidationFailed):
        case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=version,
                    separation_place="Kismaayo port")
    with pytest.raises(ValidationFailed):
        note_add(acting_user=personas.caseworker, case_id=open_case.id, body="Called again.", visibility="internal")
    assert Case.objects.get(pk=open_case.pk).version == version
    assert not AuditEvent.objects.filter(event_type__in=["case.updated", "note.added"], case_id=open_case.id).exists()
