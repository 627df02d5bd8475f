"""Access helpers: the only way views, API, admin and tasks fetch a case or its parts.

Each helper scopes the lookup to what the user may see (so an invisible case is a 404),
locks the row when the caller is going to write, and raises when the action is not allowed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from cases.models import Case, Person
from tracing.exceptions import NotFound, NotPermitted
from tracing.permissions import can, visible


def access_case(user: Any, case_id: Any, *, action: str = "case.view", for_update: bool = False, **ctx: Any) -> Case:
    """Fetch a case the user may see and check `action` on it.

    Raises NotFound when the case does not exist *or* is invisible to the user (no leak of
    existence), NotPermitted when it is visible but the action is not allowed.
    """
    qs = visible(user, Case).select_related("data_key", "office", "assigned_to")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        case = qs.get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such case.") from exc
    if action != "case.view" and not can(user, action, case, **ctx):
        raise NotPermitted("You may not do this on this case.")
    return case


def access_person(user: Any, person_id: Any, *, action: str = "case.view", for_update: bool = False) -> Person:
    """Fetch a person through its case's visibility; lock the case when writing."""
    try:
        person = visible(user, Person).select_related("data_key").get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such person.") from exc
    person.case = access_case(user, person.case_id, action=action, for_update=for_update)
    return person
