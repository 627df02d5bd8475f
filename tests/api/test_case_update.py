"""PATCH /api/v1/cases/{id}/: case_update with a required version; stale versions conflict."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from tests.api.conftest import case_url, share

pytestmark = pytest.mark.django_db


def test_caseworker_edits_with_the_current_version(personas: Any, open_case: Any, client_for: Any) -> None:
    response = client_for(personas.caseworker).patch(
        case_url(open_case), {"version": 1, "separation_place": "Mogadishu", "separation_date": "~2010"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2 and body["separation_place"] == "Mogadishu" and body["separation_date"] == "~2010"
    open_case.refresh_from_db()
    assert open_case.version == 2 and open_case.separation_place == "Mogadishu"
    event = AuditEvent.objects.get(event_type="case.updated", case_id=str(open_case.id))
    assert sorted(event.data["fields"]) == ["separation_date", "separation_place"]
    assert "Mogadishu" not in str(event.data)


def test_a_stale_version_is_a_conflict_and_changes_nothing(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.caseworker)
    assert client.patch(case_url(open_case), {"version": 1, "priority": 2}, format="json").status_code == 200
    response = client_for(personas.supervisor).patch(
        case_url(open_case), {"version": 1, "separation_place": "Baidoa"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and "version 2" in body["detail"]
    open_case.refresh_from_db()
    assert open_case.version == 2 and open_case.separation_place == "Kismayo" and open_case.priority == 2


def test_version_is_required_and_fields_are_validated(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.caseworker)
    response = client.patch(case_url(open_case), {"priority": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"version": ["This field is required."]}
    response = client.patch(
        case_url(open_case), {"version": 1, "separation_cause": "boredom", "separation_date": "3000"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"separation_cause", "separation_date"}
    open_case.refresh_from_db()
    assert open_case.version == 1 and open_case.separation_cause == "conflict"


def test_a_vulnerable_case_becomes_urgent(personas: Any, open_case: Any, client_for: Any) -> None:
    body = client_for(personas.supervisor).patch(
        case_url(open_case), {"version": 1, "vulnerable": True}, format="json"
    ).json()
    assert body["priority"] == 1 and body["vulnerable"] is True


def test_access(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "full")
    for user in (personas.partner_caseworker, personas.partner_supervisor, personas.auditor):
        response = client_for(user).patch(case_url(open_case), {"version": 1, "priority": 1}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert client_for(personas.outsider).patch(case_url(open_case), {"version": 1}, format="json").status_code == 404
    assert client_for(personas.nobody).patch(case_url(open_case), {"version": 1}, format="json").status_code == 403
    assert client_for(None).patch(case_url(open_case), {"version": 1}, format="json").status_code == 401
    open_case.refresh_from_db()
    assert open_case.version == 1 and open_case.priority == 3
    assert AuditEvent.objects.filter(event_type="permission.denied", actor_id=personas.partner_caseworker.pk).exists()
