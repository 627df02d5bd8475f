"""Helpers of the auditor workspace tests: auditors of each scope, signed-in clients, events."""

from __future__ import annotations

from typing import Any

from django.test import Client

from audit.models import AuditEvent
from tests.factories import staff
from tracing.models import Role


def client_as(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def network_auditor(personas: Any) -> Any:
    """An auditor of the partner office with network-wide scope."""
    return staff("net_aud", personas.partner, Role.AUDITOR, network_wide=True)


def partner_auditor(personas: Any) -> Any:
    return staff("ke_aud", personas.partner, Role.AUDITOR)


def auditor_views(user: Any, page: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(actor_id=user.pk, event_type="access.auditor_view").order_by("seq")
            if e.data["detail"]["page"] == page]


def non_auditors(personas: Any) -> list[Any]:
    return [personas.caseworker, personas.supervisor, personas.admin, personas.partner_caseworker,
            personas.partner_supervisor, personas.outsider]
