"""request_send: the request, the share grant, audit events, the partner's notification, access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import CaseGroupObjectPermission
from tests.network.conftest import send_request
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage
from tracing.network.models import TracingRequest
from tracing.permissions import Level, case_level

pytestmark = pytest.mark.django_db


def test_it_sends_a_request_and_shares_the_case(personas: Any, open_case: Any) -> None:
    assert case_level(personas.partner_caseworker, open_case) == Level.NONE
    req = send_request(personas, open_case, level="full")
    req.refresh_from_db()
    assert (req.status, req.from_office, req.to_office, req.share_level) == ("sent", personas.home, personas.partner,
                                                                             "full")
    assert req.question == "Please search the camps near Dadaab for him."
    assert req.data_key_id == open_case.data_key_id
    grant = CaseGroupObjectPermission.objects.get(content_object=open_case)
    assert (grant.group_id, grant.permission.codename) == (personas.partner.group_id, "share_full")
    # A fresh user object: the level is read from the grants, not from anything cached.
    personas.partner_caseworker.__dict__.pop("_tracing_actor", None)
    assert case_level(personas.partner_caseworker, open_case) == Level.FULL
    assert case_level(personas.outsider, open_case) == Level.NONE


def test_the_question_is_stored_encrypted(personas: Any, sent_request: TracingRequest) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT question FROM tracing_tracingrequest")
        raw = cur.fetchone()[0]
    assert "Dadaab" not in raw and raw.startswith("v1$")


def test_it_records_the_share_and_the_request(personas: Any, sent_request: TracingRequest) -> None:
    shared = AuditEvent.objects.get(event_type="case.shared")
    assert shared.actor_id == personas.supervisor.pk and shared.case_id == str(sent_request.case_id)
    assert shared.data == {"to_office_id": personas.partner.pk, "level": "search", "request_id": str(sent_request.id)}
    sent = AuditEvent.objects.get(event_type="network.request_sent")
    assert sent.data["request_id"] == str(sent_request.id)
    assert "Dadaab" not in str(sent.data)


def test_it_notifies_the_partner_supervisors(personas: Any, sent_request: TracingRequest) -> None:
    msgs = OutboxMessage.objects.filter(kind="network.request_sent")
    assert [m.to_user_id for m in msgs] == [personas.partner_supervisor.pk]
    assert sent_request.case.reference in msgs[0].subject
    assert "Hassan" not in msgs[0].body  # never the sought person's name


def test_it_refuses_a_second_open_request_to_the_same_office(personas: Any, sent_request: TracingRequest) -> None:
    with pytest.raises(InvalidTransition):
        send_request(personas, sent_request.case)
    assert TracingRequest.objects.count() == 1


def test_bad_input_changes_nothing(personas: Any, open_case: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        send_request(personas, open_case, days=0)
    assert "due_date" in err.value.field_errors
    with pytest.raises(ValidationFailed) as err:
        send_request(personas, open_case, to_office=personas.home)
    assert "to_office" in err.value.field_errors
    assert not TracingRequest.objects.exists()
    assert not CaseGroupObjectPermission.objects.exists()
    assert not AuditEvent.objects.filter(event_type="case.shared").exists()


def test_it_requires_a_supervisor_of_the_owning_office(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role="sought")
    due = timezone.localdate() + timedelta(days=10)
    for user, error in [(personas.caseworker, NotPermitted), (personas.admin, NotFound),
                        (personas.auditor, NotPermitted), (personas.partner_supervisor, NotFound),
                        (personas.outsider, NotFound), (personas.nobody, NotFound)]:
        with pytest.raises(error):
            from tracing.network.actions import request_send

            request_send(acting_user=user, case_id=open_case.pk, to_office_id=personas.partner.pk,
                         sought_person_id=sought.pk, question="q", due_date=due)
    assert not TracingRequest.objects.exists()
    assert not CaseGroupObjectPermission.objects.exists()
