"""The few domain exceptions every action raises; tracing.api maps them to JSON errors."""

from __future__ import annotations


class TracingError(Exception):
    """Base class: a message safe to show to the user."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ValidationFailed(TracingError):
    code = "invalid"


class InvalidTransition(TracingError):
    status_code = 409
    code = "invalid_transition"


class Conflict(TracingError):
    """Optimistic concurrency: the record changed since the caller read it."""

    status_code = 409
    code = "conflict"


class NotPermitted(TracingError):
    """The user may see the object but may not do this to it."""

    status_code = 403
    code = "permission_denied"


class NotFound(TracingError):
    """Also raised when the user may not see the object, so its existence does not leak."""

    status_code = 404
    code = "not_found"


class DecryptionFailed(Exception):
    """A ciphertext could not be decrypted: wrong key, tampered, moved, or its key shredded."""
