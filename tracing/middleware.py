"""Request-level guards: two-factor for privileged roles, a clear 503 when the DB drops, and
the staff session's idle timeout."""

from __future__ import annotations

import logging
import time
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


class SessionIdleRefreshMiddleware:
    """Restart a signed-in session's idle timeout, at most once a minute.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs a transaction and
    an UPDATE on every page; marking it modified only when the last refresh is older than
    SESSION_REFRESH_SECONDS keeps the 4-hour idle end to within that minute. Goes right after
    SessionMiddleware, whose response phase saves what this marks.
    """

    KEY = "_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        # An anonymous visitor's empty session is never created here; a flushed one not revived.
        if session.session_key is not None and not session.is_empty():
            now = time.time()
            # A session saved anyway (sign-in, a form's state) is stamped at no extra cost.
            if session.modified or now - float(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response
