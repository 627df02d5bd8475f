"""Network pages: inbox and sent lists, the send form of a case, the request page and its forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.actions import case_open
from tests.factories import sample_case_data
from tests.network.conftest import send_request
from tracing.network.models import TracingRequest

pytestmark = pytest.mark.django_db


def test_the_partner_inbox_lists_received_requests(client: Any, personas: Any,
                                                   sent_request: TracingRequest) -> None:
    client.force_login(personas.partner_caseworker)
    page = client.get(reverse("network:inbox"))
    body = page.content.decode()
    assert page.status_code == 200
    assert sent_request.case.reference in body and "Mohammed Abdi Hassan" in body
    assert AuditEvent.objects.filter(event_type="access.view", actor_id=personas.partner_caseworker.pk).exists()


def test_the_requesting_office_sees_the_status_of_what_it_sent(client: Any, personas: Any,
                                                               accepted_request: TracingRequest) -> None:
    client.force_login(personas.caseworker)
    body = client.get(reverse("network:inbox")).content.decode()
    assert "Requests sent by your office" in body and "Accepted" in body and "Kenya office" in body


def test_outsiders_see_nothing(client: Any, personas: Any, sent_request: TracingRequest) -> None:
    client.force_login(personas.outsider)
    assert sent_request.case.reference not in client.get(reverse("network:inbox")).content.decode()
    assert client.get(reverse("network:detail", args=[sent_request.pk])).status_code == 404
    assert client.get(reverse("network:send", args=[sent_request.case_id])).status_code == 404


def test_a_supervisor_sends_from_the_case(client: Any, personas: Any, open_case: Any) -> None:
    client.force_login(personas.supervisor)
    url = reverse("network:send", args=[open_case.pk])
    assert client.get(url).status_code == 200
    sought = open_case.persons.get(role="sought")
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(url, {"to_office": personas.partner.pk, "sought_person": str(sought.pk),
                                 "question": "Search Kakuma.", "due_date": due, "share_level": "full"})
    req = TracingRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("network:detail", args=[req.pk])
    assert (req.share_level, req.question, req.to_office) == ("full", "Search Kakuma.", personas.partner)


def test_the_send_form_shows_action_errors(client: Any, personas: Any, sent_request: TracingRequest) -> None:
    client.force_login(personas.supervisor)
    sought = sent_request.case.persons.get(role="sought")
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(reverse("network:send", args=[sent_request.case_id]),
                           {"to_office": personas.partner.pk, "sought_person": str(sought.pk),
                            "question": "Again", "due_date": due, "share_level": "search"})
    assert response.status_code == 200 and "already has an open request" in response.content.decode()
    assert TracingRequest.objects.count() == 1


def test_a_caseworker_may_not_send(client: Any, personas: Any, open_case: Any) -> None:
    client.force_login(personas.caseworker)
    assert client.get(reverse("network:send", args=[open_case.pk])).status_code == 403


def test_the_partner_accepts_and_answers_through_the_page(client: Any, personas: Any,
                                                          sent_request: TracingRequest) -> None:
    client.force_login(personas.partner_caseworker)
    detail = reverse("network:detail", args=[sent_request.pk])
    assert "Accept the request" in client.get(detail).content.decode()
    assert client.post(reverse("network:accept", args=[sent_request.pk]))["Location"] == detail
    assert "Send the answer" in client.get(detail).content.decode()
    client.post(reverse("network:answer", args=[sent_request.pk]),
                {"outcome": "located", "consent_status": "alive_only", "answer": "Alive and well in Garissa."})
    sent_request.refresh_from_db()
    assert (sent_request.status, sent_request.consent_status) == ("answered", "alive_only")
    client.force_login(personas.caseworker)
    assert "Alive and well in Garissa." in client.get(detail).content.decode()


def test_step_errors_come_back_as_messages(client: Any, personas: Any, sent_request: TracingRequest) -> None:
    client.force_login(personas.partner_caseworker)
    response = client.post(reverse("network:decline", args=[sent_request.pk]), {"reason": "nope"}, follow=True)
    assert "Choose a reason." in response.content.decode()
    sent_request.refresh_from_db()
    assert sent_request.status == "sent"


def test_steps_are_post_only_and_need_a_login(client: Any, personas: Any, sent_request: TracingRequest) -> None:
    url = reverse("network:accept", args=[sent_request.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    sent_request.refresh_from_db()
    assert sent_request.status == "sent"


def test_the_inbox_query_count_does_not_grow_with_rows(client: Any, personas: Any, open_case: Any) -> None:
    client.force_login(personas.partner_caseworker)
    send_request(personas, open_case)
    client.get(reverse("network:inbox"))  # the first request after sign-in restarts the idle timeout (a save)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("network:inbox")).status_code == 200
    for _n in range(4):
        case = case_open(acting_user=personas.caseworker, **sample_case_data())
        send_request(personas, case, level="full")
    with CaptureQueriesContext(connection) as five:
        body = client.get(reverse("network:inbox")).content.decode()
    assert body.count("Mohammed Abdi Hassan") == 5
    assert len(five) == len(one)
