"""API test helpers: clients for each persona, case shares, states and access events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Case

#: Plaintext of the sample case (tests/factories.py) that must never reach the audit log.
SAMPLE_PLAINTEXT = ("Amina", "Yusuf", "Mohammed", "Hassan", "Kismayo", "Dadaab", "31612345678", "amina.enquirer")


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client logged in (session) as the given user, or anonymous for None."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def share(case: Case, personas: Any, level: str) -> None:
    """Share the case with the partner office at `level` ("search" or "full")."""
    assign_perm(f"cases.share_{level}", personas.partner.group, case)


def set_state(case: Case, state: str) -> Case:
    """Test setup only: put the case in a state without walking the workflow."""
    case.refresh_from_db()
    case.state = state
    case.save(update_fields=["state"])
    return case


def api_reads(user: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type="access.api_read", actor_id=user.pk).order_by("seq"))


def assert_no_plaintext(events: list[AuditEvent]) -> None:
    text = " ".join(str(e.data) + str(e.person_ids) for e in events)
    for word in SAMPLE_PLAINTEXT:
        assert word not in text


def case_url(case: Case, suffix: str = "") -> str:
    return f"/api/v1/cases/{case.id}/{suffix}"
