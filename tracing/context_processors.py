from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tracing.permissions import actor_for


def staff(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(getattr(request, "user", None))
    return {"actor": actor, "actor_role": actor.role if actor else None}
