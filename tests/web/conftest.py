"""Helpers for the web page tests: signed-in clients and a shared case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from audit.models import AuditEvent

#: Well under the 200 KB page budget, to leave room for long cases.
PAGE_BUDGET_BYTES = 100 * 1024


@pytest.fixture
def client_for(client: Client) -> Callable[[Any], Client]:
    """A test client signed in as the given user (a fresh client per user)."""

    def make(user: Any) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def share(personas: Any) -> Callable[..., None]:
    def grant(case: Any, level: str = "share_search") -> None:
        assign_perm(f"cases.{level}", personas.partner.group, case)

    return grant


def events(case: Any, prefix: str = "") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_id=str(case.id), event_type__startswith=prefix).order_by("seq"))


def access_events(user: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=user.pk, event_type__startswith="access.").order_by("seq"))
