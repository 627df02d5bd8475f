"""The API's coarse gate (kept apart from tracing.api to avoid an import cycle with DRF)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from tracing.permissions import actor_for


class IsStaffMember(BasePermission):
    """Coarse gate: an authenticated, active user with an office role. Objects: the policy."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return actor_for(request.user) is not None
