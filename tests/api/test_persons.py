"""Persons: /cases/{id}/persons/ (list, add) and /persons/{id}/ (read, edit, erase)."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import person_add
from cases.models import Person, PersonSearchTerm
from tests.api.conftest import api_reads, assert_no_plaintext, case_url, share
from tracing.models import DataKey

pytestmark = pytest.mark.django_db


def _url(person: Person, suffix: str = "") -> str:
    return f"/api/v1/persons/{person.id}/{suffix}"


@pytest.fixture
def relative(personas: Any, open_case: Any) -> Person:
    return person_add(acting_user=personas.caseworker, case_id=open_case.id, role="relative",
                      data={"names": [{"given_names": "Halima", "family_name": "Yusuf"}], "relationship": "parent"})


def test_list_by_level(personas: Any, open_case: Any, relative: Person, client_for: Any) -> None:
    response = client_for(personas.caseworker).get(case_url(open_case, "persons/"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(r["role"] for r in rows) == ["enquirer", "relative", "sought"]
    assert all("phone" in r for r in rows)
    share(open_case, personas, "search")
    rows = client_for(personas.partner_caseworker).get(case_url(open_case, "persons/")).json()["results"]
    assert sorted(r["role"] for r in rows) == ["enquirer", "sought"]
    enquirer = next(r for r in rows if r["role"] == "enquirer")
    assert set(enquirer) == {"id", "role", "erased", "display_name", "names"}
    events = api_reads(personas.partner_caseworker)
    assert len(events) == 1 and events[0].data["case_ids"] == [str(open_case.id)]
    assert str(relative.id) not in events[0].person_ids
    assert_no_plaintext(events)


def test_list_access(personas: Any, open_case: Any, client_for: Any) -> None:
    assert client_for(personas.outsider).get(case_url(open_case, "persons/")).status_code == 404
    assert client_for(personas.partner_caseworker).get(case_url(open_case, "persons/")).status_code == 404
    assert client_for(personas.nobody).get(case_url(open_case, "persons/")).status_code == 403
    assert client_for(None).get(case_url(open_case, "persons/")).status_code == 401


def test_add_a_person(personas: Any, open_case: Any, client_for: Any) -> None:
    payload = {"role": "relative", "relationship": "sibling", "birth_date": "1990-05",
               "names": [{"given_names": "Fatuma", "family_name": "Hassan"}], "phone": "+254 712 345678",
               "version": 1}
    response = client_for(personas.caseworker).post(case_url(open_case, "persons/"), payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "Fatuma Hassan" and body["phone"] == "+254712345678"
    assert body["birth_date"] == "1990-05" and body["relationship"] == "sibling"
    person = Person.objects.get(pk=body["id"])
    assert person.case_id == open_case.id and person.role == "relative"
    assert PersonSearchTerm.objects.filter(person=person).exists()
    open_case.refresh_from_db()
    assert open_case.version == 2
    assert AuditEvent.objects.filter(event_type="person.added", person_ids=[str(person.id)]).exists()


def test_add_validation_and_access(personas: Any, open_case: Any, client_for: Any) -> None:
    url = case_url(open_case, "persons/")
    response = client_for(personas.caseworker).post(url, {"role": "cousin", "birth_date": "soon"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"role", "birth_date"}
    response = client_for(personas.caseworker).post(url, {"role": "relative", "names": []}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["names"]
    share(open_case, personas, "full")
    payload = {"role": "relative", "names": [{"given_names": "X", "family_name": "Y"}]}
    assert client_for(personas.partner_supervisor).post(url, payload, format="json").status_code == 403
    assert client_for(personas.outsider).post(url, payload, format="json").status_code == 404
    assert open_case.persons.count() == 2


def test_retrieve_by_level(personas: Any, open_case: Any, relative: Person, client_for: Any) -> None:
    enquirer = open_case.persons.get(role="enquirer")
    body = client_for(personas.caseworker).get(_url(enquirer)).json()
    assert body["email"] == "amina.enquirer@example.org" and body["erased"] is False
    share(open_case, personas, "search")
    partner = client_for(personas.partner_caseworker)
    body = partner.get(_url(enquirer)).json()
    assert set(body) == {"id", "role", "erased", "display_name", "names"}
    assert partner.get(_url(relative)).status_code == 404  # relatives are not shared at search level
    share(open_case, personas, "full")
    assert partner.get(_url(enquirer)).json()["phone"] == "+31612345678"
    assert partner.get(_url(relative)).json()["display_name"] == "Halima Yusuf"
    events = api_reads(personas.partner_caseworker)
    assert [e.person_ids for e in events] == [[str(enquirer.id)], [str(enquirer.id)], [str(relative.id)]]
    assert_no_plaintext(events)


def test_retrieve_access(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    assert client_for(personas.outsider).get(_url(sought)).status_code == 404
    assert client_for(personas.partner_caseworker).get(_url(sought)).status_code == 404
    assert client_for(personas.caseworker).get("/api/v1/persons/nope/").status_code == 404
    assert client_for(personas.nobody).get(_url(sought)).status_code == 403
    assert client_for(None).get(_url(sought)).status_code == 401


def test_edit_a_person(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    payload = {"version": 1, "nationality": "Somali", "names": [{"given_names": "Mohamed", "family_name": "Hasan"}]}
    response = client_for(personas.caseworker).patch(_url(sought), payload, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["nationality"] == "Somali" and body["display_name"] == "Mohamed Hasan"
    sought.refresh_from_db()
    assert sought.nationality == "Somali" and sought.birth_place == "Kismayo"  # untouched fields stay
    event = AuditEvent.objects.get(event_type="person.updated")
    assert event.data["fields"] == ["names", "nationality"] and "Somali" not in str(event.data)


def test_edit_conflict_validation_and_access(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    client = client_for(personas.caseworker)
    response = client.patch(_url(sought), {"version": 9, "nationality": "Kenyan"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.patch(_url(sought), {"nationality": "Kenyan", "email": "nope"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"version", "email"}
    share(open_case, personas, "full")
    payload = {"version": 1, "nationality": "Kenyan"}
    assert client_for(personas.partner_supervisor).patch(_url(sought), payload, format="json").status_code == 403
    assert client_for(personas.outsider).patch(_url(sought), payload, format="json").status_code == 404
    sought.refresh_from_db()
    assert sought.nationality == ""


def test_supervisor_erases_a_person(personas: Any, open_case: Any, relative: Person, client_for: Any) -> None:
    response = client_for(personas.supervisor).post(_url(relative, "erase/"), {"reason": "subject_request"},
                                                    format="json")
    assert response.status_code == 200
    assert response.json() == {"id": str(relative.id), "role": "relative", "erased": True}
    # (refresh_from_db would decrypt every field: the key is gone.)
    assert Person.objects.filter(pk=relative.pk).values_list("erased_at", flat=True).get() is not None
    assert DataKey.objects.get(pk=relative.data_key_id).wrapped is None
    assert not PersonSearchTerm.objects.filter(person=relative).exists()
    assert client_for(personas.caseworker).get(_url(relative)).json() == response.json()
    assert AuditEvent.objects.get(event_type="person.erased").data["reason"] == "subject_request"


def test_erase_validation_and_access(personas: Any, open_case: Any, relative: Person, client_for: Any) -> None:
    url = _url(relative, "erase/")
    response = client_for(personas.supervisor).post(url, {"reason": "bored"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]
    share(open_case, personas, "full")
    for user in (personas.caseworker, personas.partner_supervisor, personas.auditor):
        response = client_for(user).post(url, {"reason": "risk"}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client_for(personas.outsider).post(url, {"reason": "risk"}, format="json").status_code == 404
    assert client_for(None).post(url, {"reason": "risk"}, format="json").status_code == 401
    relative.refresh_from_db()
    assert relative.erased_at is None
