"""/api/v1/cases/{id}/consents/: the owning office records, lists and withdraws consent."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import consent_record
from cases.models import Consent
from tests.api.conftest import api_reads, case_url, share

pytestmark = pytest.mark.django_db


def test_record_consent(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    payload = {"person": str(sought.id), "scope": "relay_messages", "source": "phone", "given_on": "2026-01-05"}
    response = client_for(personas.caseworker).post(case_url(open_case, "consents/"), payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == "relay_messages" and body["given_on"] == "2026-01-05" and body["active"] is True
    consent = Consent.objects.get(pk=body["id"])
    assert consent.person == sought and consent.recorded_by == personas.caseworker
    assert AuditEvent.objects.get(event_type="consent.recorded").person_ids == [str(sought.id)]


def test_record_validation(personas: Any, open_case: Any, client_for: Any) -> None:
    url = case_url(open_case, "consents/")
    client = client_for(personas.caseworker)
    response = client.post(url, {"person": "x", "scope": "everything", "source": "dream"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"person", "scope", "source"}
    enquirer = open_case.persons.get(role="enquirer")
    response = client.post(url, {"person": str(enquirer.id), "scope": "alive_only", "source": "phone"},
                           format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Consent is given by a sought person of this case.", "code": "invalid"}
    assert Consent.objects.count() == 0


def test_list_and_access(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    consent = consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                             scope="alive_only", source="letter")
    url = case_url(open_case, "consents/")
    response = client_for(personas.supervisor).get(url)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [consent.pk]
    assert api_reads(personas.supervisor)[0].person_ids == [str(sought.id)]
    share(open_case, personas, "full")
    response = client_for(personas.partner_supervisor).get(url)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    payload = {"person": str(sought.id), "scope": "share_contact", "source": "phone"}
    assert client_for(personas.partner_supervisor).post(url, payload, format="json").status_code == 403
    assert client_for(personas.outsider).get(url).status_code == 404
    assert client_for(personas.outsider).post(url, payload, format="json").status_code == 404
    assert client_for(personas.nobody).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    assert Consent.objects.count() == 1


def test_withdraw(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    consent = consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                             scope="share_contact", source="in_person")
    url = case_url(open_case, f"consents/{consent.pk}/withdraw/")
    share(open_case, personas, "full")
    assert client_for(personas.partner_supervisor).post(url).status_code == 403
    assert client_for(personas.outsider).post(url).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    response = client_for(personas.caseworker).post(url)
    assert response.status_code == 200 and response.json()["active"] is False
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert AuditEvent.objects.filter(event_type="consent.withdrawn").count() == 1
    missing = client_for(personas.caseworker).post(case_url(open_case, "consents/999999/withdraw/"))
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
