"""POST /api/v1/cases/: nested persons through case_open, field errors, role refusals."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from audit.models import AuditEvent
from cases.models import Case, Person
from tests.factories import sample_case_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


@pytest.fixture
def payload() -> dict[str, Any]:
    data = sample_case_data()
    data["relatives"] = [{"names": [{"given_names": "Halima", "family_name": "Yusuf"}], "relationship": "parent"}]
    return data


def test_caseworker_opens_a_case(personas: Any, client_for: Any, payload: dict) -> None:
    response = client_for(personas.caseworker).post(URL, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["reference"] == case.reference and case.reference.startswith("NL-")
    assert body["access_level"] == "owner" and body["state"] == "received"
    assert case.assigned_to == personas.caseworker and str(case.separation_date) == "2009-03"
    assert sorted(p["role"] for p in body["persons"]) == ["enquirer", "relative", "sought"]
    sought = Person.objects.get(case=case, role="sought")
    assert str(sought.birth_date) == "~1988" and str(sought.places.get().date) == "2015-06"
    assert {n.full for n in sought.names.all()} == {"Mohammed Abdi Hassan", "محمد عبدي حسن"}
    assert AuditEvent.objects.filter(event_type="case.opened", case_id=str(case.id),
                                     actor_id=personas.caseworker.pk).count() == 1


def test_a_minor_makes_the_case_urgent(personas: Any, client_for: Any, payload: dict) -> None:
    payload["sought"][0]["is_minor"] = True
    body = client_for(personas.supervisor).post(URL, payload, format="json").json()
    assert body["priority"] == 1 and body["involves_minor"] is True and body["assigned_to"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(separation_cause="aliens"), "separation_cause"),
        (lambda d: d.update(separation_date="2009-13"), "separation_date"),
        (lambda d: d.update(sought=[]), "sought"),
        (lambda d: d.pop("enquirer"), "enquirer"),
        (lambda d: d.update(priority=7), "priority"),
    ],
)
def test_invalid_input_is_a_field_error(
    personas: Any, client_for: Any, payload: dict, change: Any, field: str
) -> None:
    change(payload)
    response = client_for(personas.caseworker).post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Invalid input."
    assert list(body["errors"]) == [field]
    assert Case.objects.count() == 0


def test_nested_errors_name_the_person_field(personas: Any, client_for: Any, payload: dict) -> None:
    payload["sought"][0]["birth_date"] = "1988-02-30"
    payload["sought"][0]["places"][0]["date"] = "someday"
    payload["enquirer"]["email"] = "not-an-email"
    body = client_for(personas.caseworker).post(URL, payload, format="json").json()
    # List items are keyed by their index.
    assert body["errors"]["sought"]["0"]["birth_date"] == ["That day does not exist in that month."]
    assert list(body["errors"]["sought"]["0"]["places"]["0"]) == ["date"]
    assert body["errors"]["enquirer"] == {"email": ["Enter a valid email address."]}
    assert Case.objects.count() == 0


def test_rules_of_the_action_come_back_per_field(personas: Any, client_for: Any, payload: dict) -> None:
    bad = copy.deepcopy(payload)
    bad["enquirer"]["phone"] = "12"
    response = client_for(personas.caseworker).post(URL, bad, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and list(response.json()["errors"]) == ["phone"]
    bad = copy.deepcopy(payload)
    bad["sought"][0]["names"] = [{"given_names": " ", "family_name": ""}]
    response = client_for(personas.caseworker).post(URL, bad, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["names"]
    assert Case.objects.count() == 0


def test_roles_that_do_not_open_cases(personas: Any, client_for: Any, payload: dict) -> None:
    for user in (personas.admin, personas.auditor):
        response = client_for(user).post(URL, payload, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert client_for(personas.nobody).post(URL, payload, format="json").status_code == 403
    assert client_for(None).post(URL, payload, format="json").status_code == 401
    assert Case.objects.count() == 0


def test_malformed_json_is_a_400(personas: Any, client_for: Any) -> None:
    response = client_for(personas.caseworker).post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
