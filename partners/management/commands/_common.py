"""Shared pieces of the partner commands: the acting administrator, and printing a key once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from tracing.exceptions import TracingError


def acting_user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def run_action(action: Any, **kwargs: Any) -> Any:
    """Call an action; a domain error becomes a CommandError (message only, never a secret)."""
    try:
        return action(**kwargs)
    except TracingError as exc:
        detail = f" {exc.field_errors}" if exc.field_errors else ""
        raise CommandError(f"{exc.message}{detail}") from exc


def key_lines(key: Any, secret: str) -> list[str]:
    lines = [f"key id: {key.key_id}", f"algorithm: {key.algorithm}"]
    if secret:
        # Shown once, on the terminal of the administrator who created it; stored sealed.
        lines.append(f"secret (base64url, shown once): {secret}")
    return lines


def add_key_arguments(parser: Any) -> None:
    parser.add_argument("partner_id")
    parser.add_argument("--by", required=True, help="username of the office administrator acting")
    parser.add_argument("--algorithm", choices=["ed25519", "hmac-sha256"], required=True)
    parser.add_argument("--public-key", default="", help="ed25519: raw 32-byte public key, base64url")
