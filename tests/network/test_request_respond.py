"""request_accept and request_decline: status, share, audit events, notifications, access."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.models import CaseGroupObjectPermission
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage
from tracing.network.actions import request_accept, request_decline
from tracing.network.models import TracingRequest
from tracing.permissions import Level, case_level

pytestmark = pytest.mark.django_db


def test_the_partner_accepts(personas: Any, sent_request: TracingRequest) -> None:
    request_accept(acting_user=personas.partner_caseworker, request_id=sent_request.pk)
    sent_request.refresh_from_db()
    assert sent_request.status == "accepted" and sent_request.responded_by == personas.partner_caseworker
    assert sent_request.responded_at is not None and sent_request.version == 2
    event = AuditEvent.objects.get(event_type="network.request_accepted")
    assert event.actor_id == personas.partner_caseworker.pk and event.office_id == personas.partner.pk
    notified = set(OutboxMessage.objects.filter(kind="network.request_accepted").values_list("to_user_id", flat=True))
    assert notified == {personas.supervisor.pk, personas.caseworker.pk}  # sender and the assigned caseworker
    assert CaseGroupObjectPermission.objects.filter(group=personas.partner.group).count() == 1


def test_accepting_twice_is_refused(personas: Any, accepted_request: TracingRequest) -> None:
    with pytest.raises(InvalidTransition):
        request_accept(acting_user=personas.partner_supervisor, request_id=accepted_request.pk)
    assert AuditEvent.objects.filter(event_type="network.request_accepted").count() == 1


def test_declining_ends_the_share_at_once(personas: Any, sent_request: TracingRequest) -> None:
    case = sent_request.case
    assert case_level(personas.partner_supervisor, case) == Level.SEARCH
    request_decline(acting_user=personas.partner_supervisor, request_id=sent_request.pk, reason="no_capacity")
    sent_request.refresh_from_db()
    assert (sent_request.status, sent_request.decline_reason) == ("declined", "no_capacity")
    assert not CaseGroupObjectPermission.objects.filter(content_object=case).exists()
    assert case_level(personas.partner_supervisor, case) == Level.NONE
    revoked = AuditEvent.objects.get(event_type="case.share_revoked")
    assert revoked.data["cause"] == "declined" and revoked.data["grants_removed"] == 1
    assert AuditEvent.objects.get(event_type="network.request_declined").data["reason"] == "no_capacity"
    assert OutboxMessage.objects.filter(kind="network.request_declined", to_user=personas.supervisor).exists()


def test_a_decline_needs_a_listed_reason(personas: Any, sent_request: TracingRequest) -> None:
    with pytest.raises(ValidationFailed):
        request_decline(acting_user=personas.partner_supervisor, request_id=sent_request.pk, reason="bored")
    sent_request.refresh_from_db()
    assert sent_request.status == "sent"
    assert CaseGroupObjectPermission.objects.filter(content_object=sent_request.case).exists()


def test_only_the_partner_office_responds(personas: Any, sent_request: TracingRequest) -> None:
    # The requesting office sees its request (403); anyone else does not (404).
    for user, error in [(personas.supervisor, NotPermitted), (personas.caseworker, NotPermitted),
                        (personas.outsider, NotFound), (personas.admin, NotFound), (personas.nobody, NotFound)]:
        with pytest.raises(error):
            request_accept(acting_user=user, request_id=sent_request.pk)
        with pytest.raises(error):
            request_decline(acting_user=user, request_id=sent_request.pk, reason="no_capacity")
    sent_request.refresh_from_db()
    assert sent_request.status == "sent"
    assert not AuditEvent.objects.filter(event_type__in=["network.request_accepted", "network.request_declined"])
