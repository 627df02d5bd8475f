"""A known fixture for the reports: seven cases of the home office (NL) with fixed dates in
January-March 2025, and optionally six more of the partner office (KE).

NL, by creation: A received (Jan), B searching (Jan), C located 10 days after acceptance (Feb),
D closed "reunited" (Feb; located 4 days, closed 28 days after acceptance), E closed
"not_found" (Mar; closed 20 days after acceptance), F deceased (Mar), G consent refused (Mar;
located 2 days after acceptance). Causes: D disaster, F migration, the rest conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cases.actions import case_open
from tests.factories import sample_case_data

PERIOD = {"date_from": "2025-01", "date_to": "2025-03"}


def at(month: int, day: int) -> datetime:
    return datetime(2025, month, day, 12, 0, tzinfo=UTC)


def make_case(user: Any, *, created: datetime, state: str = "received", cause: str = "conflict",
              accepted: int | None = None, located: int | None = None, closed: int | None = None,
              reason: str = "", **data: Any) -> Any:
    """A case opened through the action, then moved to a state with dates (days after `created`)."""
    case = case_open(acting_user=user, **sample_case_data(separation_cause=cause, **data))
    case.state, case.state_reason, case.created_at = state, reason, created
    accepted_at = created + timedelta(days=accepted) if accepted is not None else None
    case.accepted_at = accepted_at
    case.located_at = accepted_at + timedelta(days=located) if located is not None else None
    case.closed_at = accepted_at + timedelta(days=closed) if closed is not None else None
    case.save(update_fields=["state", "state_reason", "created_at", "accepted_at", "located_at", "closed_at"])
    return case


@dataclass
class Fixture:
    nl: dict[str, Any]
    ke: list[Any]


def build_nl(sup: Any) -> dict[str, Any]:
    return {
        "A": make_case(sup, created=at(1, 10)),
        "B": make_case(sup, created=at(1, 20), state="searching", accepted=5),
        "C": make_case(sup, created=at(2, 5), state="located", accepted=1, located=10),
        "D": make_case(sup, created=at(2, 10), state="closed", reason="reunited", cause="disaster", accepted=1,
                       located=4, closed=28),
        "E": make_case(sup, created=at(3, 1), state="closed", reason="not_found", accepted=1, closed=20),
        "F": make_case(sup, created=at(3, 5), state="deceased", cause="migration", accepted=1),
        "G": make_case(sup, created=at(3, 7), state="consent_refused", accepted=1, located=2),
    }


@pytest.fixture
def nl_cases(personas: Any) -> dict[str, Any]:
    return build_nl(personas.supervisor)


@pytest.fixture
def network_cases(personas: Any, nl_cases: dict[str, Any]) -> Fixture:
    ke = [make_case(personas.partner_supervisor, created=at(1, 3 + i)) for i in range(6)]
    return Fixture(nl=nl_cases, ke=ke)
