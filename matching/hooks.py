"""The one call the case actions make: match a person after their record is committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def _enqueue(person_id: str) -> None:
    from matching.tasks import match_person

    # A broker outage (or a matching failure when tasks run eagerly) must not fail the
    # caseworker's request: the nightly run matches every person again.
    try:
        match_person.delay(person_id)
    except Exception:  # noqa: BLE001
        logger.exception("matching of person %s not scheduled; the nightly run will match them", person_id)


def schedule_person_matching(person_id: Any) -> None:
    """Schedule `match_person` once the surrounding transaction commits (never for a rollback)."""
    transaction.on_commit(lambda: _enqueue(str(person_id)))
