"""share_revoke: immediate effect on the partner's very next request, audit, access."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case, CaseGroupObjectPermission
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted
from tracing.models import OutboxMessage
from tracing.network.actions import share_revoke
from tracing.network.models import TracingRequest
from tracing.permissions import Level, case_level, visible

pytestmark = pytest.mark.django_db


def test_revocation_takes_effect_on_the_next_request(client: Any, personas: Any,
                                                     accepted_request: TracingRequest) -> None:
    case = accepted_request.case
    client.force_login(personas.partner_caseworker)
    detail = reverse("network:detail", args=[accepted_request.pk])
    page = client.get(detail)
    assert page.status_code == 200 and "Dadaab" in page.content.decode()
    assert visible(personas.partner_caseworker, Case).filter(pk=case.pk).exists()

    share_revoke(acting_user=personas.supervisor, request_id=accepted_request.pk)

    # Same user object, same session: nothing cached survives the revocation.
    assert not visible(personas.partner_caseworker, Case).filter(pk=case.pk).exists()
    assert case_level(personas.partner_caseworker, case) == Level.NONE
    page = client.get(detail)
    assert page.status_code == 200 and "Dadaab" not in page.content.decode()  # status only
    assert "no longer shared" in page.content.decode()
    answer = client.post(reverse("network:answer", args=[accepted_request.pk]),
                         {"outcome": "not_found", "searched": "x", "answer": "y"})
    assert answer.status_code == 403
    accepted_request.refresh_from_db()
    assert accepted_request.status == "revoked" and accepted_request.revoked_at is not None
    assert not CaseGroupObjectPermission.objects.exists()


def test_revocation_is_audited_and_the_partner_told(personas: Any, accepted_request: TracingRequest) -> None:
    share_revoke(acting_user=personas.supervisor, request_id=accepted_request.pk)
    event = AuditEvent.objects.get(event_type="case.share_revoked")
    assert event.actor_id == personas.supervisor.pk
    assert event.data == {"to_office_id": personas.partner.pk, "request_id": str(accepted_request.id),
                          "cause": "revoked", "grants_removed": 1}
    assert AuditEvent.objects.filter(event_type="network.request_revoked").count() == 1
    told = set(OutboxMessage.objects.filter(kind="network.request_revoked").values_list("to_user_id", flat=True))
    assert told == {personas.partner_caseworker.pk, personas.partner_supervisor.pk}


def test_a_revoked_request_cannot_be_revoked_again(personas: Any, sent_request: TracingRequest) -> None:
    share_revoke(acting_user=personas.supervisor, request_id=sent_request.pk)
    with pytest.raises(InvalidTransition):
        share_revoke(acting_user=personas.supervisor, request_id=sent_request.pk)
    assert AuditEvent.objects.filter(event_type="case.share_revoked").count() == 1


def test_only_a_supervisor_of_the_requesting_office_revokes(personas: Any, sent_request: TracingRequest) -> None:
    for user, error in [(personas.caseworker, NotPermitted), (personas.partner_supervisor, NotPermitted),
                        (personas.auditor, NotPermitted), (personas.outsider, NotFound),
                        (personas.admin, NotFound), (personas.nobody, NotFound)]:
        with pytest.raises(error):
            share_revoke(acting_user=user, request_id=sent_request.pk)
    assert CaseGroupObjectPermission.objects.count() == 1
    assert not AuditEvent.objects.filter(event_type="case.share_revoked").exists()
