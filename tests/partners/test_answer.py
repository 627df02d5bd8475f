"""Reading and answering requests: a partner sees only its office's requests (another
partner's are a 404), and answers through request_accept/request_answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from partners.actions import partner_key_add, partner_register
from tests.factories import staff
from tests.partners.conftest import REQUESTS, Signer
from tests.partners.test_submit import submission
from tracing.models import Role
from tracing.network.actions import request_send
from tracing.network.models import TracingRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_to_partner(open_case: Any, personas: Any, partner: Any) -> TracingRequest:
    """Our NL supervisor asks the partner's office (KE) to search."""
    sought = open_case.persons.get(role="sought")
    return request_send(acting_user=personas.supervisor, case_id=open_case.pk, to_office_id=personas.partner.pk,
                        sought_person_id=sought.pk, question="Search Dadaab.",
                        due_date=timezone.localdate() + timedelta(days=10))


ANSWER = {"outcome": "located", "consent_status": "given", "answer": "Found in Dadaab, agrees to contact."}


def test_the_partner_lists_and_reads_a_request_we_sent_it(hmac_signer: Signer, request_to_partner: Any) -> None:
    listing = hmac_signer.get(REQUESTS + "?direction=received")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [str(request_to_partner.pk)]
    detail = hmac_signer.get(f"{REQUESTS}{request_to_partner.pk}/")
    assert detail.status_code == 200
    assert detail.json()["question"] == "Search Dadaab." and detail.json()["direction"] == "received"
    assert hmac_signer.get(REQUESTS + "?direction=sent").json()["count"] == 0


def test_the_partner_answers_accepting_first(hmac_signer: Signer, request_to_partner: Any, partner: Any) -> None:
    response = hmac_signer.post(f"{REQUESTS}{request_to_partner.pk}/answer/", ANSWER)
    assert response.status_code == 200, response.content
    req = TracingRequest.objects.get(pk=request_to_partner.pk)
    assert (req.status, req.outcome, req.consent_status) == ("answered", "located", "given")
    assert req.responded_by == partner.service_user
    assert req.answer_note.body == ANSWER["answer"]
    types = list(AuditEvent.objects.filter(data__request_id=str(req.pk)).values_list("event_type", flat=True))
    for expected in ("network.request_accepted", "network.request_answered", "partner.answer_submitted"):
        assert expected in types
    assert response.json()["status"] == "answered"


def test_an_invalid_answer_is_400_and_changes_nothing(hmac_signer: Signer, request_to_partner: Any) -> None:
    response = hmac_signer.post(f"{REQUESTS}{request_to_partner.pk}/answer/", {"outcome": "located", "answer": "x"})
    assert response.status_code == 400 and "consent_status" in response.json()["errors"]
    assert TracingRequest.objects.get(pk=request_to_partner.pk).status == "sent"  # the accept rolled back too


def test_the_partner_cannot_answer_a_request_it_submitted(hmac_signer: Signer) -> None:
    req_id = hmac_signer.post(REQUESTS, submission()).json()["id"]
    response = hmac_signer.post(f"{REQUESTS}{req_id}/answer/", ANSWER)
    assert response.status_code == 403  # visible (it sent it), but only the receiving office answers
    assert TracingRequest.objects.get(pk=req_id).status == "sent"


def test_another_partner_cannot_see_or_answer_our_partners_requests(hmac_signer: Signer, request_to_partner: Any,
                                                                      personas: Any) -> None:
    mine = hmac_signer.post(REQUESTS, submission()).json()["id"]
    fr_admin = staff("fr_adm", personas.other, Role.OFFICE_ADMIN)
    other = partner_register(acting_user=fr_admin, office_id=personas.other.pk, name="France deployment")
    key, secret = partner_key_add(acting_user=fr_admin, partner_id=other.pk, algorithm="hmac-sha256")
    stranger = Signer(key_id=key.key_id, secret=secret)
    for req_id in (mine, request_to_partner.pk):
        assert stranger.get(f"{REQUESTS}{req_id}/").status_code == 404
        assert stranger.post(f"{REQUESTS}{req_id}/answer/", ANSWER).status_code == 404
    assert stranger.get(REQUESTS).json() == {"count": 0, "results": []}
    assert TracingRequest.objects.get(pk=request_to_partner.pk).status == "sent"
