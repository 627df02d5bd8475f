"""GET /api/v1/cases/{id}/: fields by level, nothing else decrypted, 404 for outsiders, read logged."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import person_add, person_erase
from tests.api.conftest import api_reads, assert_no_plaintext, case_url, share
from tracing.crypto import fields as crypto_fields

pytestmark = pytest.mark.django_db

CONTACT = {"phone", "email", "address"}


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """Every (model, field) decrypted during the test."""
    seen: set[tuple[str, str]] = set()
    real = crypto_fields.open_token

    def spy(instance: Any, field_name: str, token: str) -> bytes:
        seen.add((type(instance).__name__, field_name))
        return real(instance, field_name, token)

    monkeypatch.setattr(crypto_fields, "open_token", spy)
    return seen


def _persons(body: dict) -> dict[str, dict]:
    return {p["role"]: p for p in body["persons"]}


def test_owner_sees_every_field(personas: Any, open_case: Any, client_for: Any) -> None:
    response = client_for(personas.caseworker).get(case_url(open_case))
    assert response.status_code == 200
    body = response.json()
    assert body["access_level"] == "owner"
    assert body["reference"] == open_case.reference and body["version"] == 1 and body["office"] == "NL"
    assert body["separation_date"] == "2009-03" and body["separation_place"] == "Kismayo"
    persons = _persons(body)
    assert persons["enquirer"]["phone"] == "+31612345678"
    assert persons["enquirer"]["email"] == "amina.enquirer@example.org"
    assert persons["sought"]["display_name"] == "Mohammed Abdi Hassan"
    assert persons["sought"]["birth_date"] == "~1988"
    assert persons["sought"]["places"] == [{"place": "Dadaab camp", "country": "KE", "date": "2015-06"}]
    assert persons["sought"]["relationship"] == "sibling"


def test_supervisor_and_auditor_of_the_office_see_the_case(personas: Any, open_case: Any, client_for: Any) -> None:
    for user in (personas.supervisor, personas.auditor, personas.caseworker2):
        response = client_for(user).get(case_url(open_case))
        assert response.status_code == 200
        assert response.json()["access_level"] == "owner"


def test_partner_search_level_sees_no_contact_and_decrypts_none(
    personas: Any, open_case: Any, client_for: Any, opened: set
) -> None:
    person_add(acting_user=personas.caseworker, case_id=open_case.id, role="relative",
               data={"names": [{"given_names": "Halima", "family_name": "Yusuf"}], "phone": "+31 6 87654321"})
    share(open_case, personas, "search")
    opened.clear()
    response = client_for(personas.partner_caseworker).get(case_url(open_case))
    assert response.status_code == 200
    body = response.json()
    assert body["access_level"] == "search"
    # Case fields: only the search set.
    assert {"version", "assigned_to", "office", "eligibility", "state_reason_detail", "vulnerable"}.isdisjoint(body)
    assert body["separation_place"] == "Kismayo"
    persons = _persons(body)
    assert set(persons) == {"enquirer", "sought"}  # a relative is not shown at search level
    assert set(persons["enquirer"]) == {"id", "role", "erased", "display_name", "names"}
    assert CONTACT.isdisjoint(persons["sought"]) and "relationship" not in persons["sought"]
    assert persons["sought"]["display_name"] == "Mohammed Abdi Hassan"
    decrypted = {name for model, name in opened if model == "Person"}
    assert CONTACT.isdisjoint(decrypted)
    assert ("Case", "state_reason_detail") not in opened


def test_partner_full_level_sees_enquirer_contact(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "full")
    response = client_for(personas.partner_supervisor).get(case_url(open_case))
    assert response.status_code == 200
    body = response.json()
    assert body["access_level"] == "full"
    persons = _persons(body)
    assert persons["enquirer"]["phone"] == "+31612345678"
    assert "birth_place" not in persons["enquirer"]
    assert "version" not in body and "eligibility" not in body


def test_invisible_case_is_404_for_outsiders_and_unshared_partners(
    personas: Any, open_case: Any, client_for: Any
) -> None:
    for user in (personas.outsider, personas.partner_caseworker, personas.admin):
        response = client_for(user).get(case_url(open_case))
        assert response.status_code == 404
        assert response.json() == {"detail": "No such case.", "code": "not_found"}
    assert client_for(personas.caseworker).get("/api/v1/cases/not-a-uuid/").status_code == 404


def test_no_role_is_403_and_anonymous_is_401(personas: Any, open_case: Any, client_for: Any) -> None:
    response = client_for(personas.nobody).get(case_url(open_case))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = client_for(None).get(case_url(open_case))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


def test_erased_person_is_a_stub(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    person_erase(acting_user=personas.supervisor, person_id=sought.id, reason="subject_request")
    response = client_for(personas.caseworker).get(case_url(open_case))
    assert response.status_code == 200
    assert _persons(response.json())["sought"] == {"id": str(sought.id), "role": "sought", "erased": True}


def test_the_read_is_logged_without_plaintext(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "search")
    client_for(personas.partner_caseworker).get(case_url(open_case))
    events = api_reads(personas.partner_caseworker)
    assert len(events) == 1
    event = events[0]
    assert event.data["case_ids"] == [str(open_case.id)] and event.data["kind"] == "api_read"
    assert set(event.person_ids) == {str(p.id) for p in open_case.persons.exclude(role="relative")}
    assert_no_plaintext(events)
    # A refused read writes no access event.
    client_for(personas.outsider).get(case_url(open_case))
    assert api_reads(personas.outsider) == []


def test_a_purpose_is_logged_and_checked(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.supervisor)
    assert client.get(case_url(open_case), {"purpose": "supervision"}).status_code == 200
    assert api_reads(personas.supervisor)[0].data["purpose"] == "supervision"
    response = client.get(case_url(open_case), {"purpose": "curiosity"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["purpose"]
    assert len(api_reads(personas.supervisor)) == 1
