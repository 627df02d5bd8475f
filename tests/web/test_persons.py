"""Person pages: edit (fields, names, places), add a person, erase with confirmation."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_update
from cases.models import Person
from tests.web.conftest import access_events, events

pytestmark = pytest.mark.django_db


def person_form(version: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {
        "expected_version": version, "relationship": "sibling", "sex": "male", "birth_date": "1988-04",
        "birth_place": "Kismayo", "nationality": "Somali", "phone": "", "email": "", "address": "",
        "description": "Scar on the left hand", "languages": "so",
        "names-TOTAL_FORMS": 2, "names-INITIAL_FORMS": 0,
        "names-0-given_names": "Mohamed", "names-0-family_name": "Hasan", "names-0-kind": "primary",
        "names-0-script": "Latn", "names-1-given_names": "محمد", "names-1-family_name": "حسن",
        "names-1-kind": "transliteration", "names-1-script": "Arab",
        "places-TOTAL_FORMS": 1, "places-INITIAL_FORMS": 0,
        "places-0-place": "Nairobi", "places-0-country": "ke", "places-0-date": "2019",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sought(open_case: Any) -> Person:
    return Person.objects.get(case=open_case, role="sought")


def test_edit_form_shows_current_values_and_names(client_for: Any, personas: Any, sought: Person) -> None:
    html = client_for(personas.caseworker).get(f"/persons/{sought.id}/edit/").content.decode()
    assert 'value="Mohammed Abdi"' in html and 'value="محمد عبدي"' in html and 'value="~1988"' in html
    assert 'value="Dadaab camp"' in html and 'name="expected_version" value="1"' in html


def test_edit_saves_fields_names_and_places(client_for: Any, personas: Any, open_case: Any, sought: Person) -> None:
    response = client_for(personas.caseworker).post(f"/persons/{sought.id}/edit/", person_form())
    assert response.status_code == 302
    sought = Person.objects.get(pk=sought.pk)
    assert sought.display_name == "Mohamed Hasan" and str(sought.birth_date) == "1988-04"
    assert sought.description == "Scar on the left hand"
    assert [(p.place, p.country, str(p.date)) for p in sought.places.all()] == [("Nairobi", "KE", "2019")]
    assert events(open_case, "person.updated")[-1].person_ids == [str(sought.id)]


def test_edit_errors_at_their_fields(client_for: Any, personas: Any, sought: Person) -> None:
    data = person_form(birth_date="1988-02-30", phone="abc", **{"places-0-date": "soon",
                                                                "names-0-given_names": "", "names-0-family_name": "",
                                                                "names-1-given_names": "", "names-1-family_name": ""})
    response = client_for(personas.caseworker).post(f"/persons/{sought.id}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_birth_date-error"' in html and "That day does not exist" in html
    assert 'id="id_phone-error"' in html and 'id="id_places-0-date-error"' in html
    assert "Give at least one name." in html
    assert Person.objects.get(pk=sought.pk).display_name == "Mohammed Abdi Hassan"


def test_edit_with_stale_version_conflicts(client_for: Any, personas: Any, open_case: Any, sought: Person) -> None:
    case_update(acting_user=personas.supervisor, case_id=open_case.id, expected_version=1, priority=2)
    response = client_for(personas.caseworker).post(f"/persons/{sought.id}/edit/", person_form(version=1))
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    assert Person.objects.get(pk=sought.pk).display_name == "Mohammed Abdi Hassan"


def test_add_a_relative(client_for: Any, personas: Any, open_case: Any) -> None:
    data = person_form(role="relative", relationship="cousin", **{"names-0-given_names": "Asha",
                                                                  "names-0-family_name": "Ali",
                                                                  "names-1-given_names": "", "names-1-family_name": ""})
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/persons/new/", data)
    assert response.status_code == 302
    relative = Person.objects.get(case=open_case, role="relative")
    assert relative.display_name == "Asha Ali" and relative.relationship == "cousin"
    assert events(open_case, "person.added")[-1].data["role"] == "relative"


def test_add_needs_a_role(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.caseworker).post(f"/cases/{open_case.id}/persons/new/",
                                                person_form()).content.decode()
    assert 'id="id_role-error"' in html
    assert Person.objects.filter(case=open_case).count() == 2


def test_person_pages_access(client_for: Any, personas: Any, open_case: Any, sought: Person, share: Any) -> None:
    share(open_case, "share_full")
    assert client_for(personas.partner_caseworker).get(f"/persons/{sought.id}/edit/").status_code == 403
    assert client_for(personas.outsider).get(f"/persons/{sought.id}/edit/").status_code == 404
    assert client_for(personas.outsider).get(f"/cases/{open_case.id}/persons/new/").status_code == 404
    assert client_for(None).get(f"/persons/{sought.id}/edit/").status_code == 302


def test_erase_asks_for_confirmation_and_reason(client_for: Any, personas: Any, open_case: Any,
                                                sought: Person) -> None:
    client = client_for(personas.supervisor)
    page = client.get(f"/persons/{sought.id}/erase/").content.decode()
    assert "cannot be undone" in page and 'name="reason"' in page
    missing = client.post(f"/persons/{sought.id}/erase/", {"reason": "risk"})
    assert missing.status_code == 400 and 'id="id_confirm-error"' in missing.content.decode()
    assert Person.objects.get(pk=sought.pk).erased_at is None
    done = client.post(f"/persons/{sought.id}/erase/", {"reason": "risk", "confirm": "on"})
    assert done.status_code == 302
    sought = Person.objects.get(pk=sought.pk)
    assert sought.erased_at is not None and sought.data_key.wrapped is None
    assert events(open_case, "person.erased")[-1].data["reason"] == "risk"
    # Editing an erased person is not possible.
    assert client.get(f"/persons/{sought.id}/edit/").status_code == 404


def test_only_supervisors_erase(client_for: Any, personas: Any, sought: Person) -> None:
    assert client_for(personas.caseworker).get(f"/persons/{sought.id}/erase/").status_code == 403
    response = client_for(personas.caseworker).post(f"/persons/{sought.id}/erase/", {"reason": "risk", "confirm": "on"})
    assert response.status_code == 403
    assert client_for(personas.outsider).get(f"/persons/{sought.id}/erase/").status_code == 404
    assert Person.objects.get(pk=sought.pk).erased_at is None


def test_edit_page_asks_the_purpose_first_and_logs_the_read(client_for: Any, personas: Any, open_case: Any,
                                                            sought: Person) -> None:
    client = client_for(personas.caseworker2)
    response = client.get(f"/persons/{sought.id}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{open_case.id}/"
    assert access_events(personas.caseworker2) == []
    client.post(f"/cases/{open_case.id}/", {"purpose": "supervision"})
    assert client.get(f"/persons/{sought.id}/edit/").status_code == 200
    event = access_events(personas.caseworker2)[-1]
    assert event.person_ids == [str(sought.id)] and event.data["purpose"] == "supervision"
