"""The API's coarse gate (kept apart from tracing.api to avoid an import cycle with DRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tracing.exceptions import NotPermitted
from tracing.middleware import OTP_ROLES
from tracing.permissions import actor_for


class IsStaffMember(BasePermission):
    """Coarse gate: an authenticated, active user with an office role. Objects: the policy."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return actor_for(request.user) is not None


def needs_second_factor(user: Any) -> bool:
    """Roles that must verify a TOTP device (tracing.middleware) get no access by password alone."""
    actor = actor_for(user)
    return settings.TRACING_REQUIRE_OTP and ((actor is not None and actor.role in OTP_ROLES) or user.is_superuser)


class TokenFirst:
    """Mixin for every staff API view: token first, and a token never stands in for two-factor.

    Token first makes an unauthenticated request a 401 with `WWW-Authenticate: Token`. The
    two-factor middleware sees only session users, so a token held by a role that must verify
    a second factor (issued before the role changed, or by an administrator) is refused here.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if isinstance(request.successful_authenticator, TokenAuthentication) and needs_second_factor(request.user):
            raise NotPermitted(_("Your role signs in with two-factor verification: use the session API."))
