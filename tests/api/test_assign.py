"""POST /api/v1/cases/{id}/assign/: supervisors of the owning office assign to their staff."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from tests.api.conftest import case_url, share

pytestmark = pytest.mark.django_db


def test_supervisor_assigns_and_unassigns(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.supervisor)
    response = client.post(case_url(open_case, "assign/"), {"assigned_to": personas.caseworker2.pk, "version": 1},
                           format="json")
    assert response.status_code == 200
    assert response.json()["assigned_to"] == personas.caseworker2.pk and response.json()["version"] == 2
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker2
    event = AuditEvent.objects.get(event_type="case.assigned", case_id=str(open_case.id))
    assert event.data == {"assignee_id": personas.caseworker2.pk}
    response = client.post(case_url(open_case, "assign/"), {"assigned_to": None}, format="json")
    assert response.status_code == 200 and response.json()["assigned_to"] is None
    open_case.refresh_from_db()
    assert open_case.assigned_to is None


def test_only_staff_of_the_office_can_be_assigned(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.supervisor)
    for user in (personas.partner_caseworker, personas.admin):
        response = client.post(case_url(open_case, "assign/"), {"assigned_to": user.pk}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["assigned_to"]
    response = client.post(case_url(open_case, "assign/"), {}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["assigned_to"]
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker and open_case.version == 1


def test_stale_version(personas: Any, open_case: Any, client_for: Any) -> None:
    response = client_for(personas.supervisor).post(
        case_url(open_case, "assign/"), {"assigned_to": personas.caseworker2.pk, "version": 5}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker


def test_access(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "full")
    payload = {"assigned_to": personas.caseworker2.pk}
    for user in (personas.caseworker, personas.partner_supervisor, personas.auditor):
        response = client_for(user).post(case_url(open_case, "assign/"), payload, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client_for(personas.outsider).post(case_url(open_case, "assign/"), payload, format="json").status_code == 404
    assert client_for(personas.nobody).post(case_url(open_case, "assign/"), payload, format="json").status_code == 403
    assert client_for(None).post(case_url(open_case, "assign/"), payload, format="json").status_code == 401
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker and open_case.version == 1
