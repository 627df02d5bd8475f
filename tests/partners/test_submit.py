"""Submitting a tracing request: through case_open + request_send as the service user; the
Idempotency-Key makes a retry return the same response and create nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from partners.models import IdempotencyRecord
from tests.factories import sample_case_data
from tests.partners.conftest import REQUESTS, Signer
from tracing.network.models import TracingRequest

pytestmark = pytest.mark.django_db


def submission(**overrides: Any) -> dict[str, Any]:
    data = {"to_office": "NL", "case": sample_case_data(), "question": "Please search Amsterdam registers.",
            "due_date": (timezone.localdate() + timedelta(days=20)).isoformat(), "share_level": "search",
            "external_reference": "KE-EXT-1"}
    data.update(overrides)
    return data


def test_a_partner_submits_a_tracing_request_to_our_office(hmac_signer: Signer, partner: Any,
                                                           personas: Any) -> None:
    response = hmac_signer.post(REQUESTS, submission())
    assert response.status_code == 201, response.content
    body = response.json()
    req = TracingRequest.objects.get(pk=body["id"])
    assert (req.from_office, req.to_office, req.status) == (personas.partner, personas.home, "sent")
    assert req.case.office == personas.partner and req.sent_by == partner.service_user
    assert body["direction"] == "sent" and body["to_office"] == "NL"
    assert body["sought_person_name"] == "Mohammed Abdi Hassan"
    events = set(AuditEvent.objects.filter(case_id=req.case_id).values_list("event_type", flat=True))
    assert {"case.opened", "case.shared", "network.request_sent", "partner.request_submitted"} <= events
    submitted = AuditEvent.objects.get(event_type="partner.request_submitted")
    assert submitted.data["partner_id"] == str(partner.pk) and submitted.actor_id == partner.service_user.pk
    # Our office sees it in its inbox like any other request.
    assert TracingRequest.objects.filter(to_office=personas.home).count() == 1


def test_a_retry_with_the_same_key_returns_the_same_response_and_creates_nothing(hmac_signer: Signer) -> None:
    first = hmac_signer.post(REQUESTS, submission(), idempotency_key="submit-0001")
    retry = hmac_signer.post(REQUESTS, submission(), idempotency_key="submit-0001")  # new nonce, same body
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert TracingRequest.objects.count() == 1 and Case.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="partner.request_submitted").count() == 1


def test_the_same_key_with_another_body_is_422(hmac_signer: Signer) -> None:
    assert hmac_signer.post(REQUESTS, submission(), idempotency_key="submit-0002").status_code == 201
    other = hmac_signer.post(REQUESTS, submission(question="Another question."), idempotency_key="submit-0002")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert TracingRequest.objects.count() == 1


def test_a_post_without_an_idempotency_key_is_400(hmac_signer: Signer) -> None:
    response = hmac_signer.call("POST", REQUESTS, submission())
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_missing"
    assert not TracingRequest.objects.exists()


def test_a_refused_request_stores_nothing_so_a_corrected_retry_runs(hmac_signer: Signer) -> None:
    bad = hmac_signer.post(REQUESTS, submission(to_office="ZZ"), idempotency_key="submit-0003")
    assert bad.status_code == 400 and "to_office" in bad.json()["errors"]
    assert not IdempotencyRecord.objects.exists() and not Case.objects.exists()
    good = hmac_signer.post(REQUESTS, submission(), idempotency_key="submit-0003")
    assert good.status_code == 201


def test_keys_are_scoped_to_the_partner(hmac_signer: Signer, personas: Any) -> None:
    from partners.actions import partner_key_add, partner_register
    from tests.factories import staff
    from tracing.models import Role

    fr_admin = staff("fr_adm", personas.other, Role.OFFICE_ADMIN)
    other = partner_register(acting_user=fr_admin, office_id=personas.other.pk, name="France deployment")
    key, secret = partner_key_add(acting_user=fr_admin, partner_id=other.pk, algorithm="hmac-sha256")
    assert hmac_signer.post(REQUESTS, submission(), idempotency_key="shared-key-1").status_code == 201
    theirs = Signer(key_id=key.key_id, secret=secret).post(REQUESTS, submission(), idempotency_key="shared-key-1")
    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert TracingRequest.objects.count() == 2
