"""/api/v1/network/: lists, send, each step, field redaction after revocation, access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import CaseGroupObjectPermission
from tracing.network.models import TracingRequest

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_send_shares_the_case(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role="sought")
    body = {"case_id": str(open_case.pk), "to_office_id": personas.partner.pk, "sought_person_id": str(sought.pk),
            "question": "Search Kakuma.", "due_date": (timezone.localdate() + timedelta(days=9)).isoformat(),
            "share_level": "full"}
    response = api(personas.supervisor).post(reverse("network-api-send"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "sent" and response.json()["question"] == "Search Kakuma."
    assert CaseGroupObjectPermission.objects.get().permission.codename == "share_full"
    assert AuditEvent.objects.filter(event_type="case.shared").count() == 1
    assert api(personas.caseworker).post(reverse("network-api-send"), body, format="json").status_code == 403
    assert api(personas.outsider).post(reverse("network-api-send"), body, format="json").status_code == 404
    assert api(None).post(reverse("network-api-send"), body, format="json").status_code in (401, 403)


def test_lists_by_direction(personas: Any, sent_request: TracingRequest) -> None:
    received = api(personas.partner_caseworker).get(reverse("network-api-received")).json()
    assert received["count"] == 1 and received["results"][0]["sought_person_name"] == "Mohammed Abdi Hassan"
    assert api(personas.partner_caseworker).get(reverse("network-api-sent")).json()["count"] == 0
    sent = api(personas.supervisor).get(reverse("network-api-sent"), {"status": "sent"}).json()
    assert sent["count"] == 1 and sent["results"][0]["direction"] == "sent"
    assert api(personas.outsider).get(reverse("network-api-received")).json()["count"] == 0


def test_steps_through_the_api(personas: Any, sent_request: TracingRequest) -> None:
    partner = api(personas.partner_caseworker)
    pk = sent_request.pk
    assert partner.post(reverse("network-api-accept", args=[pk])).json()["status"] == "accepted"
    response = partner.post(reverse("network-api-answer", args=[pk]),
                            {"outcome": "not_found", "searched": "Registers", "answer": "No trace."}, format="json")
    assert response.status_code == 200 and response.json()["answer"] == "No trace."
    closed = api(personas.caseworker).post(reverse("network-api-close", args=[pk]))
    assert closed.json()["status"] == "closed"
    assert not CaseGroupObjectPermission.objects.exists()


def test_invalid_steps_are_clear_errors(personas: Any, sent_request: TracingRequest) -> None:
    partner = api(personas.partner_caseworker)
    response = partner.post(reverse("network-api-decline", args=[sent_request.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = partner.post(reverse("network-api-answer", args=[sent_request.pk]),
                            {"outcome": "not_found", "searched": "x", "answer": "y"}, format="json")
    assert response.status_code == 409


def test_after_revocation_the_partner_sees_status_only(personas: Any, accepted_request: TracingRequest) -> None:
    assert api(personas.supervisor).post(reverse("network-api-revoke", args=[accepted_request.pk])).status_code == 200
    detail = api(personas.partner_caseworker).get(reverse("network-api-detail", args=[accepted_request.pk])).json()
    assert detail["status"] == "revoked"
    assert (detail["question"], detail["sought_person_name"], detail["answer"]) == ("", "", "")
    response = api(personas.partner_caseworker).post(reverse("network-api-accept", args=[accepted_request.pk]))
    assert response.status_code == 403


def test_detail_access(personas: Any, sent_request: TracingRequest) -> None:
    url = reverse("network-api-detail", args=[sent_request.pk])
    assert api(personas.supervisor).get(url).json()["question"].startswith("Please search")
    assert api(personas.outsider).get(url).status_code == 404
    assert api(personas.admin).get(url).status_code == 404
    assert api(personas.nobody).get(url).status_code == 403  # no office role: the API's coarse gate
    revoke = api(personas.partner_supervisor).post(reverse("network-api-revoke", args=[sent_request.pk]))
    assert revoke.status_code == 403
