"""Helpers shared by the case actions: versions, activity, notifications."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.models import Case
from tracing.exceptions import Conflict


def check_version(case: Case, expected_version: int | None) -> None:
    """Optimistic concurrency: a caller that read an older version gets a conflict."""
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(
            f"This case was changed by someone else since you opened it (version {case.version}, "
            f"you had {expected_version}). Reload it and apply your change again."
        )


def touch(case: Case, *fields: str) -> None:
    """Bump version and activity on every write to a case or its parts."""
    now = timezone.now()
    case.version += 1
    case.updated_at = now
    case.last_activity_at = now
    case.save(update_fields=["version", "updated_at", "last_activity_at", *fields])


def actor_fields(user: Any) -> dict[str, Any]:
    return {"actor": user}
