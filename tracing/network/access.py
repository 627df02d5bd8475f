"""The only way views, API and actions fetch a tracing request."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from tracing.exceptions import NotFound, NotPermitted
from tracing.network.models import TracingRequest
from tracing.permissions import can, visible


def access_request(
    user: Any, request_id: Any, *, action: str | None = None, for_update: bool = False
) -> TracingRequest:
    """Fetch a tracing request the user may see and check `action` on it.

    Security entry point. NotFound when the request does not exist or is not visible to the
    user (an office that neither sent nor received it learns nothing), NotPermitted when it
    is visible but the action is not allowed.
    """
    qs = visible(user, TracingRequest).select_related("case", "case__office", "from_office", "to_office", "data_key")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        req = qs.get(pk=request_id)
    except (TracingRequest.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such tracing request.") from exc
    if action is not None and not can(user, action, req):
        raise NotPermitted("You may not do this on this tracing request.")
    return req
