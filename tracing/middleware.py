"""Request-level guards: two-factor for privileged roles, and a clear 503 when the DB drops."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse

from tracing.models import Role
from tracing.permissions import actor_for

logger = logging.getLogger(__name__)

OTP_ROLES = {Role.SUPERVISOR, Role.OFFICE_ADMIN, Role.AUDITOR}
_OTP_EXEMPT_PREFIXES = ("/accounts/", "/healthz", "/static/", "/status/", "/consent/", "/i18n/")


class RequireOTPMiddleware:
    """Supervisors, administrators and auditors must verify a TOTP device (production)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.TRACING_REQUIRE_OTP and request.user.is_authenticated:
            actor = actor_for(request.user)
            needs = (actor is not None and actor.role in OTP_ROLES) or request.user.is_superuser
            if needs and not request.user.is_verified() and not request.path.startswith(_OTP_EXEMPT_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Two-factor verification required."}, status=403)
                return redirect("otp-verify")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A dropped database connection is a clear 503; the request's transaction is gone with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error("database unavailable: %s", type(exception).__name__)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "The database is unavailable. Try again shortly."}, status=503)
            response = SimpleTemplateResponse("503.html", status=503)
            return response.render()
        return None
