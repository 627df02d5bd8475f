"""Settings of the public pages, each overridable in Django settings (defaults here)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Sign-in attempts allowed per window, counted per reference and per client address.
    "PUBLIC_ACCESS_ATTEMPTS_PER_REFERENCE": 10,
    "PUBLIC_ACCESS_ATTEMPTS_PER_ADDRESS": 30,
    "PUBLIC_ACCESS_WINDOW_SECONDS": 3600,
    # This many wrong codes in a row lock the reference, and the caseworker is alerted.
    "PUBLIC_ACCESS_LOCK_AFTER": 5,
    "PUBLIC_ACCESS_LOCK_MINUTES": 30,
    # A signed-in status or consent page session ends after this many idle seconds.
    "PUBLIC_SESSION_SECONDS": 30 * 60,
    "PUBLIC_PHOTO_MAX_BYTES": 2 * 1024 * 1024,
    "PUBLIC_TEXT_MAX_CHARS": 4000,
    # Reminders.
    "PUBLIC_CONSENT_REMINDER_DAYS": 14,
    "PUBLIC_STILL_SEARCHING_DAYS": 90,
    # Where emails point people to (the status and consent pages, the case page for staff).
    "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
