"""Fixtures of the privacy tests: closed cases of the home office at chosen closure dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from cases.actions import case_open, note_add
from cases.models import Case
from cases.workflow import State
from privacy.models import RetentionRule
from tests.factories import sample_case_data


def close(case: Case, *, years_ago: float, reason: str = "reunited") -> Case:
    """Mark a case closed `years_ago` years ago (the workflow's path there is tested elsewhere)."""
    case = Case.objects.get(pk=case.pk)
    case.state, case.state_reason = State.CLOSED, reason
    case.closed_at = timezone.now() - dt.timedelta(days=365.25 * years_ago)
    case.save(update_fields=["state", "state_reason", "closed_at"])
    return case


@pytest.fixture
def make_case(personas: Any) -> Callable[..., Case]:
    def make(*, years_ago: float | None = None, reason: str = "reunited", office: Any = None) -> Case:
        user = personas.caseworker if office is None else personas.outsider
        case = case_open(acting_user=user, **sample_case_data())
        note_add(acting_user=user, case_id=case.pk, body="Internal: met the uncle.", visibility="internal")
        return case if years_ago is None else close(case, years_ago=years_ago, reason=reason)

    return make


@pytest.fixture
def rules(personas: Any) -> list[RetentionRule]:
    """NL: reunited cases 2 years after closure, everything else 5 years."""
    return [
        RetentionRule.objects.create(office=personas.home, closure_reason="reunited", years=2),
        RetentionRule.objects.create(office=personas.home, closure_reason="any", years=5),
    ]
