"""The case page: who may open it, the purpose prompt, redaction, erased persons, notes, timeline."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import note_add, person_erase
from cases.models import Person
from tests.web.conftest import access_events

pytestmark = pytest.mark.django_db


def url(case: Any) -> str:
    return f"/cases/{case.id}/"


def test_owner_caseworker_sees_everything_and_the_read_is_logged(client_for: Any, personas: Any,
                                                                 open_case: Any) -> None:
    response = client_for(personas.caseworker).get(url(open_case))
    html = response.content.decode()
    assert response.status_code == 200
    assert open_case.reference in html and "Received" in html and "Kismayo" in html
    assert "Mohammed Abdi Hassan" in html and 'dir="auto">محمد عبدي حسن</span>' in html
    assert "+31612345678" in html and "Dadaab camp" in html
    assert "Case opened" in html  # timeline
    event = access_events(personas.caseworker)[-1]
    assert event.event_type == "access.view" and event.case_id == str(open_case.id)
    assert event.data["purpose"] == ""


def test_outsider_gets_404(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.outsider).get(url(open_case))
    assert response.status_code == 404 and open_case.reference not in response.content.decode()
    assert access_events(personas.outsider) == []


@pytest.mark.parametrize("who", ["nobody", None])
def test_nobody_and_anonymous_go_to_login(client_for: Any, personas: Any, open_case: Any, who: str | None) -> None:
    response = client_for(getattr(personas, who) if who else None).get(url(open_case))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_caseworker_is_asked_the_purpose_first(client_for: Any, personas: Any, open_case: Any) -> None:
    client = client_for(personas.caseworker2)
    prompt = client.get(url(open_case))
    html = prompt.content.decode()
    assert prompt.status_code == 200
    assert "Why are you opening this case?" in html
    assert open_case.reference not in html and "Mohammed" not in html
    assert access_events(personas.caseworker2) == []
    invalid = client.post(url(open_case), {"purpose": "curiosity"})
    assert 'id="id_purpose-error"' in invalid.content.decode()
    response = client.post(url(open_case), {"purpose": "supervision"})
    assert response.status_code == 302 and response["Location"] == url(open_case)
    page = client.get(url(open_case)).content.decode()
    assert open_case.reference in page
    assert access_events(personas.caseworker2)[-1].data["purpose"] == "supervision"
    # Remembered for this case in this session: no second prompt.
    assert "Why are you opening" not in client.get(url(open_case)).content.decode()


def test_partner_with_search_share_sees_only_search_fields(client_for: Any, personas: Any, open_case: Any,
                                                           share: Any) -> None:
    share(open_case)
    client = client_for(personas.partner_caseworker)
    assert "Why are you opening" in client.get(url(open_case)).content.decode()
    client.post(url(open_case), {"purpose": "partner_request"})
    html = client.get(url(open_case)).content.decode()
    assert "Mohammed Abdi Hassan" in html and "Kismayo" in html
    assert "+31612345678" not in html and "amina.enquirer" not in html and "Keizersgracht" not in html
    assert "Amina Yusuf" in html  # the enquirer's name is part of a search share
    assert "Timeline" not in html and "Edit the case" not in html and "Next steps" not in html
    assert "Add a note" in html


def test_partner_with_full_share_sees_enquirer_contact(client_for: Any, personas: Any, open_case: Any,
                                                       share: Any) -> None:
    share(open_case, "share_full")
    client = client_for(personas.partner_supervisor)
    client.post(url(open_case), {"purpose": "partner_request"})
    html = client.get(url(open_case)).content.decode()
    assert "+31612345678" in html and "Next steps" not in html


def test_partner_sees_only_shareable_notes(client_for: Any, personas: Any, open_case: Any, share: Any) -> None:
    note_add(acting_user=personas.caseworker, case_id=open_case.id, body="Internal remark", visibility="internal")
    note_add(acting_user=personas.caseworker, case_id=open_case.id, body="Please check camp lists",
             visibility="shareable")
    share(open_case)
    owner = client_for(personas.caseworker).get(url(open_case)).content.decode()
    assert "Internal remark" in owner and "Please check camp lists" in owner
    partner = client_for(personas.partner_caseworker)
    partner.post(url(open_case), {"purpose": "partner_request"})
    html = partner.get(url(open_case)).content.decode()
    assert "Please check camp lists" in html and "Internal remark" not in html


def test_an_erased_person_shows_only_that_their_data_was_erased(client_for: Any, personas: Any,
                                                                 open_case: Any) -> None:
    sought = Person.objects.get(case=open_case, role="sought")
    person_erase(acting_user=personas.supervisor, person_id=sought.id, reason="subject_request")
    response = client_for(personas.caseworker).get(url(open_case))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Data erased" in html and "Mohammed" not in html and "Dadaab" not in html
    assert "Person&#x27;s data erased" in html or "Person's data erased" in html  # timeline


@pytest.mark.parametrize("role", ["admin"])
def test_office_admin_gets_404(client_for: Any, personas: Any, open_case: Any, role: str) -> None:
    assert client_for(getattr(personas, role)).get(url(open_case)).status_code == 404


def test_auditor_of_the_office_reads_without_actions(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.auditor).get(url(open_case)).content.decode()
    assert open_case.reference in html and "Next steps" not in html and "Add a note" not in html
    assert access_events(personas.auditor)[-1].event_type == "access.auditor_view"


def _detail_queries(client: Any, case: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(case)).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_however_many_persons_notes_and_names(
    client_for: Any, personas: Any, open_case: Any
) -> None:
    from cases.actions import person_add

    client = client_for(personas.caseworker)
    client.get(url(open_case))  # sign-in's session refresh and the key caches, once
    few = _detail_queries(client, open_case)
    for i in range(3):
        person_add(acting_user=personas.caseworker, case_id=open_case.id, role="sought", data={
            "names": [{"given_names": f"Halima {i}", "family_name": "Abdi", "kind": "primary", "script": "Latn"},
                      {"given_names": "Xaliimo", "family_name": "Cabdi", "kind": "alias", "script": "Latn"}],
            "relationship": "sibling", "places": [{"place": "Ifo camp", "country": "KE", "date": "2016"}]})
        note_add(acting_user=personas.caseworker, case_id=open_case.id, body=f"Called the camp office {i}.",
                 visibility="internal")
    html = client.get(url(open_case)).content.decode()
    assert "Halima 2 Abdi" in html and "Called the camp office 2." in html
    assert _detail_queries(client, open_case) == few
