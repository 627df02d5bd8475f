"""The intake form: eligibility first, mandate warning, enquirer, sought person, separation."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.models import Case, Person
from cases.workflow import State

pytestmark = pytest.mark.django_db


def intake(**overrides: str) -> dict[str, str]:
    data = {
        "elig-is_relative": "yes", "elig-lost_contact_months": "36", "elig-sought_is_adult": "yes",
        "elig-risk_to_sought": "no", "elig-debt_or_legal": "no",
        "enq-names-TOTAL_FORMS": "2", "enq-names-INITIAL_FORMS": "0",
        "enq-names-0-given_names": "Amina", "enq-names-0-family_name": "Yusuf", "enq-names-0-kind": "primary",
        "enq-names-0-script": "Latn", "enq-names-1-kind": "primary",
        "enq-phone": "+31 6 12345678", "enq-email": "amina@example.org", "enq-languages": "so, nl",
        "sought-names-TOTAL_FORMS": "2", "sought-names-INITIAL_FORMS": "0",
        "sought-names-0-given_names": "Mohammed", "sought-names-0-family_name": "Hassan",
        "sought-names-0-kind": "primary", "sought-names-0-script": "Latn",
        "sought-names-1-given_names": "محمد", "sought-names-1-family_name": "حسن",
        "sought-names-1-kind": "transliteration", "sought-names-1-script": "Arab",
        "sought-relationship": "sibling", "sought-sex": "male", "sought-birth_date": "~1988",
        "sought-birth_place": "Kismayo", "sought-last_place": "Dadaab camp", "sought-last_place_country": "ke",
        "sought-last_place_date": "2015-06",
        "sep-separation_cause": "conflict", "sep-separation_date": "2009-03", "sep-separation_place": "Kismayo",
        "sep-separation_circumstances": "Lost each other at the border.", "sep-languages": "so",
    }
    data.update(overrides)
    return data


def test_form_asks_eligibility_first_and_labels_every_input(client_for: Any, personas: Any) -> None:
    html = client_for(personas.caseworker).get("/cases/new/").content.decode()
    assert html.index('name="elig-is_relative"') < html.index('name="enq-phone"') < html.index('name="sought-sex"')
    assert html.index('name="sought-sex"') < html.index('name="sep-separation_cause"')
    for field_id in ("id_enq-phone", "id_sought-birth_date", "id_sep-separation_cause", "id_enq-names-0-given_names"):
        assert f'for="{field_id}"' in html
    assert 'aria-describedby="id_sought-birth_date-hint"' in html


def test_it_opens_a_case(client_for: Any, personas: Any) -> None:
    response = client_for(personas.caseworker).post("/cases/new/", intake())
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.id}/"
    assert case.state == State.RECEIVED and case.assigned_to == personas.caseworker
    assert case.eligibility["is_relative"] is True and case.eligibility["outside_mandate"] is False
    sought = Person.objects.get(case=case, role="sought")
    assert sought.display_name == "Mohammed Hassan" and str(sought.birth_date) == "~1988"
    assert {n.full for n in sought.names.all()} == {"Mohammed Hassan", "محمد حسن"}
    assert [(p.place, p.country) for p in sought.places.all()] == [("Dadaab camp", "KE")]
    enquirer = Person.objects.get(case=case, role="enquirer")
    assert enquirer.phone == "+31612345678" and enquirer.languages == ["so", "nl"]
    assert AuditEvent.objects.filter(case_id=str(case.id), event_type="case.opened").count() == 1


def test_an_age_is_accepted_as_birth_date(client_for: Any, personas: Any) -> None:
    client_for(personas.caseworker).post("/cases/new/", intake(**{"sought-birth_date": "35"}))
    sought = Person.objects.get(role="sought")
    assert sought.birth_date.approximate is True


def test_outside_mandate_warns_and_needs_confirmation(client_for: Any, personas: Any) -> None:
    client = client_for(personas.caseworker)
    data = intake(**{"elig-is_relative": "no", "elig-debt_or_legal": "yes"})
    response = client.post("/cases/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == 0
    assert "outside our mandate" in html and "not a relative" in html and "debt collection" in html
    assert 'id="id_elig-record_anyway-error"' in html
    response = client.post("/cases/new/", {**data, "elig-record_anyway": "on"})
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.eligibility["outside_mandate"] is True and case.eligibility["debt_or_legal"] is True


def test_field_errors_appear_at_their_fields(client_for: Any, personas: Any) -> None:
    data = intake(**{"sought-birth_date": "1988-13", "enq-phone": "12", "sep-separation_cause": "",
                     "sought-names-0-given_names": "", "sought-names-0-family_name": "",
                     "sought-names-1-given_names": "", "sought-names-1-family_name": ""})
    response = client_for(personas.caseworker).post("/cases/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == 0
    assert 'aria-describedby="id_sought-birth_date-error id_sought-birth_date-hint"' in html
    assert "The month must be between 1 and 12." in html
    assert 'id="id_enq-phone-error"' in html and "country code" in html
    assert 'id="id_sep-separation_cause-error"' in html
    assert "Give at least one name." in html
    assert html.count('aria-invalid="true"') == 3


def test_missing_eligibility_answers_are_required(client_for: Any, personas: Any) -> None:
    data = intake()
    del data["elig-is_relative"]
    html = client_for(personas.caseworker).post("/cases/new/", data).content.decode()
    assert 'id="id_elig-is_relative-error"' in html and Case.objects.count() == 0


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_only_caseworkers_and_supervisors_open_cases(client_for: Any, personas: Any, role: str) -> None:
    client = client_for(getattr(personas, role))
    assert client.get("/cases/new/").status_code == 403
    assert client.post("/cases/new/", intake()).status_code == 403
    assert Case.objects.count() == 0


def test_supervisor_opens_an_unassigned_case(client_for: Any, personas: Any) -> None:
    assert client_for(personas.supervisor).post("/cases/new/", intake()).status_code == 302
    assert Case.objects.get().assigned_to is None


def test_anonymous_is_sent_to_login(client_for: Any) -> None:
    response = client_for(None).post("/cases/new/", intake())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Case.objects.count() == 0
