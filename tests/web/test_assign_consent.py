"""Assigning a case (supervisors) and recording a found person's consent."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_update
from cases.models import Consent, Person
from tests.web.conftest import events

pytestmark = pytest.mark.django_db


def test_assign_offers_the_office_workers_only(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.supervisor).get(f"/cases/{open_case.id}/assign/").content.decode()
    assert f'value="{personas.caseworker2.pk}"' in html and f'value="{personas.supervisor.pk}"' in html
    assert f'value="{personas.admin.pk}"' not in html and f'value="{personas.outsider.pk}"' not in html


def test_supervisor_assigns(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.supervisor).post(f"/cases/{open_case.id}/assign/",
                                                     {"assigned_to": personas.caseworker2.pk, "expected_version": 1})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker2
    assert events(open_case, "case.assigned")[-1].data["assignee_id"] == personas.caseworker2.pk


def test_assign_rejects_others_and_stale_versions(client_for: Any, personas: Any, open_case: Any) -> None:
    client = client_for(personas.supervisor)
    wrong = client.post(f"/cases/{open_case.id}/assign/", {"assigned_to": personas.outsider.pk, "expected_version": 1})
    assert wrong.status_code == 400 and 'id="id_assigned_to-error"' in wrong.content.decode()
    case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=1, priority=2)
    stale = client.post(f"/cases/{open_case.id}/assign/", {"assigned_to": personas.caseworker2.pk,
                                                           "expected_version": 1})
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    open_case.refresh_from_db()
    assert open_case.assigned_to == personas.caseworker


def test_assign_access(client_for: Any, personas: Any, open_case: Any) -> None:
    assert client_for(personas.caseworker).get(f"/cases/{open_case.id}/assign/").status_code == 403
    assert client_for(personas.outsider).get(f"/cases/{open_case.id}/assign/").status_code == 404
    assert client_for(None).get(f"/cases/{open_case.id}/assign/").status_code == 302
    html = client_for(personas.caseworker).get(f"/cases/{open_case.id}/").content.decode()
    assert f"/cases/{open_case.id}/assign/" not in html


def test_record_consent(client_for: Any, personas: Any, open_case: Any) -> None:
    sought = Person.objects.get(case=open_case, role="sought")
    client = client_for(personas.caseworker)
    page = client.get(f"/cases/{open_case.id}/consent/new/").content.decode()
    assert "Mohammed Abdi Hassan" in page and "Amina" not in page  # only sought persons give consent
    response = client.post(f"/cases/{open_case.id}/consent/new/", {
        "person": sought.id, "scope": "relay_messages", "source": "phone", "given_on": "2026-01-05"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.scope == "relay_messages" and str(consent.given_on) == "2026-01-05"
    assert events(open_case, "consent.recorded")[-1].person_ids == [str(sought.id)]


def test_consent_validation_and_access(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/consent/new/", {"scope": "everything"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_scope-error"' in html and 'id="id_source-error"' in html and 'id="id_person-error"' in html
    assert client_for(personas.auditor).get(f"/cases/{open_case.id}/consent/new/").status_code == 403
    assert client_for(personas.outsider).get(f"/cases/{open_case.id}/consent/new/").status_code == 404
    assert not Consent.objects.exists()
