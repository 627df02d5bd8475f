"""Helpers shared by the case actions: versions, activity, notifications."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from tracing.exceptions import Conflict, ValidationFailed


def check_version(case: Case, expected_version: int | None) -> None:
    """Optimistic concurrency: a caller that read an older version gets a conflict."""
    if expected_version is not None and int(expected_version) != case.version:
        raise Conflict(
            f"This case was changed by someone else since you opened it (version {case.version}, "
            f"you had {expected_version}). Reload it and apply your change again."
        )


def refuse_if_erased(case: Case) -> None:
    """A case whose data key was destroyed (retention) cannot take new personal data: it would be
    sealed with a key that no longer exists, and erasure must stay final."""
    if case.data_key.destroyed_at is not None:
        raise ValidationFailed(_("This case's personal data was erased; it cannot be changed."))


def touch(case: Case, *fields: str) -> None:
    """Bump version and activity on every write to a case or its parts."""
    now = timezone.now()
    case.version += 1
    case.updated_at = now
    case.last_activity_at = now
    case.save(update_fields=["version", "updated_at", "last_activity_at", *fields])


def actor_fields(user: Any) -> dict[str, Any]:
    return {"actor": user}
