"""The one API error handler: domain errors become clear JSON."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracing.exceptions import NotFound, NotPermitted, TracingError


def _denied(request: Any, exc: Exception) -> None:
    from audit.events import record_event

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        record_event(event_type="permission.denied", actor=user,
                     data={"path": request.path[:200], "method": request.method})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors become JSON: {"detail": message, "code": code, "errors": {field: [..]}}."""
    request = context.get("request")
    if isinstance(exc, TracingError):
        if isinstance(exc, NotPermitted) and request is not None:
            _denied(request, exc)
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.field_errors:
            body["errors"] = exc.field_errors
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": "Invalid input.", "code": "invalid", "errors": errors}, status=400)
    if isinstance(exc, (Http404, NotFound)):
        exc = drf_exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, drf_exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    elif response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data["code"] = getattr(exc, "default_code", "error")
    if isinstance(exc, drf_exceptions.PermissionDenied) and request is not None:
        _denied(request, exc)
    return response
