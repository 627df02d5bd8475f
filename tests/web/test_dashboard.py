"""The dashboard: my cases, urgent and overdue cases, counts by state; other roles get a pointer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.actions import case_open
from tests.factories import sample_case_data
from tests.web.conftest import access_events

pytestmark = pytest.mark.django_db


def test_caseworker_sees_own_urgent_and_overdue_cases(client_for: Any, personas: Any, open_case: Any) -> None:
    urgent = case_open(acting_user=personas.supervisor, **sample_case_data(vulnerable=True))
    open_case.due_at = timezone.now() - timedelta(days=2)
    open_case.save(update_fields=["due_at"])
    response = client_for(personas.caseworker).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    mine = html.split('id="h-mine"')[1].split("</section>")[0]
    assert open_case.reference in mine and urgent.reference not in mine
    assert urgent.reference in html.split('id="h-urgent"')[1].split("</section>")[0]
    assert open_case.reference in html.split('id="h-overdue"')[1].split("</section>")[0]
    assert "?state=received" in html and "2 cases in all." in html
    assert "Mohammed Abdi Hassan" in html
    logged = access_events(personas.caseworker)
    assert logged and set(logged[-1].data["case_ids"]) == {str(open_case.id), str(urgent.id)}


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_see_no_case_content(client_for: Any, personas: Any, open_case: Any, role: str) -> None:
    response = client_for(getattr(personas, role)).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert open_case.reference not in html and "Mohammed" not in html
    assert ("/audit/" in html) == (role == "auditor")
    assert ("/admin/" in html) == (role == "admin")
    assert access_events(getattr(personas, role)) == []


def test_nav_shows_network_inbox_to_workers_and_audit_to_auditors(client_for: Any, personas: Any) -> None:
    worker = client_for(personas.caseworker).get("/").content.decode()
    auditor = client_for(personas.auditor).get("/").content.decode()
    assert 'href="/network/"' in worker and 'href="/audit/"' not in worker
    assert 'href="/audit/"' in auditor and 'href="/network/"' not in auditor and 'href="/cases/new/"' not in auditor


def test_header_names_office_and_role(client_for: Any, personas: Any) -> None:
    html = client_for(personas.supervisor).get("/").content.decode()
    assert "Netherlands office" in html and "Supervisor" in html
    assert 'action="/i18n/setlang/"' in html


def test_partner_dashboard_does_not_show_unshared_cases(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.partner_caseworker).get("/").content.decode()
    assert open_case.reference not in html
