"""Reads of partner systems for the administrator's page (no secrets leave: key ids only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from partners.models import PartnerKey, PartnerSystem
from tracing.permissions import actor_for, can


@dataclass
class SystemView:
    system: PartnerSystem
    keys: list[PartnerKey]
    webhooks: int


def partner_systems(*, user: Any) -> list[SystemView]:
    """Partner systems acting for the offices the user administers (their own office)."""
    actor = actor_for(user)
    if actor is None or not can(user, "office.manage", None):
        return []
    systems = (PartnerSystem.objects.filter(office_id=actor.office_id)
               .annotate(webhook_count=Count("webhooks", filter=Q(webhooks__active=True)))
               .prefetch_related("keys").order_by("name"))
    # `defer("secret")`-like care is not needed: the template never reads PartnerKey.secret,
    # and sealed fields open only when read.
    return [SystemView(system=s, keys=list(s.keys.all()), webhooks=s.webhook_count) for s in systems]
