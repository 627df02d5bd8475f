"""Editing a case: saved through case_update, version-checked, validated field by field."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_update
from cases.models import Priority
from tests.web.conftest import events

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, Any]:
    data = {"expected_version": 1, "separation_cause": "disaster", "separation_date": "2010",
            "separation_place": "Port-au-Prince", "separation_circumstances": "Earthquake", "languages": "ht, fr",
            "priority": "3"}
    data.update(overrides)
    return data


def test_form_is_prefilled_with_the_version(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.caseworker).get(f"/cases/{open_case.id}/edit/").content.decode()
    assert 'name="expected_version" value="1"' in html and 'value="Kismayo"' in html and 'value="so, en"' in html


def test_it_saves_the_case(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/edit/", form(vulnerable="on"))
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.separation_cause == "disaster" and str(open_case.separation_date) == "2010"
    assert open_case.languages == ["ht", "fr"] and open_case.priority == Priority.URGENT  # vulnerable → urgent
    assert open_case.version == 2
    assert set(events(open_case, "case.updated")[-1].data["fields"]) >= {"separation_cause", "languages"}


def test_stale_version_shows_the_conflict_message(client_for: Any, personas: Any, open_case: Any) -> None:
    case_update(acting_user=personas.supervisor, case_id=open_case.id, expected_version=1, separation_place="Mogadishu")
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/edit/", form())
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.separation_place == "Mogadishu" and open_case.separation_cause == "conflict"


def test_invalid_values_are_shown_at_their_fields(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/edit/",
                                                    form(separation_date="2999", separation_cause="weather"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_separation_date-error"' in html and 'id="id_separation_cause-error"' in html
    open_case.refresh_from_db()
    assert open_case.version == 1


def test_access(client_for: Any, personas: Any, open_case: Any, share: Any) -> None:
    share(open_case, "share_full")
    assert client_for(personas.supervisor).get(f"/cases/{open_case.id}/edit/").status_code == 200
    assert client_for(personas.partner_supervisor).get(f"/cases/{open_case.id}/edit/").status_code == 403
    assert client_for(personas.outsider).post(f"/cases/{open_case.id}/edit/", form()).status_code == 404
    assert client_for(personas.auditor).get(f"/cases/{open_case.id}/edit/").status_code == 403
    assert client_for(None).get(f"/cases/{open_case.id}/edit/").status_code == 302
    open_case.refresh_from_db()
    assert open_case.version == 1
