"""Key-encryption keys and blind-index root keys, behind a pluggable KeyProvider.

Keys are configured as "id:base64key,id:base64key". The first id is used for new work;
every listed id remains readable, which is what lets a rotation run without downtime.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyRing:
    """Ordered keys: `current` encrypts, all of `keys` decrypt."""

    current: str
    keys: dict[str, bytes]

    def get(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError as exc:
            raise KeyError(f"key {key_id!r} is not configured") from exc


class KeyProvider:
    """Interface for where keys live: settings, a file, or later a KMS/HSM."""

    def kek_ring(self) -> KeyRing:
        raise NotImplementedError

    def index_ring(self) -> KeyRing:
        raise NotImplementedError

    def audit_signing_key(self) -> bytes:
        raise NotImplementedError


def parse_ring(spec: str, *, name: str, length: int = 32) -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, b64 = item.partition(":")
        if not sep or not key_id.isidentifier():
            raise ImproperlyConfigured(f"{name}: each key must be 'id:base64key' (id: letters, digits, _)")
        raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(raw) != length:
            raise ImproperlyConfigured(f"{name}: key {key_id!r} must be {length} bytes")
        keys[key_id] = raw
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured(f"{name} is empty")
    return KeyRing(current=order[0], keys=keys)


def new_key_b64(length: int = 32) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(length)).decode().rstrip("=")


def _dev_keys() -> dict[str, str]:
    """The embedded default's key file: created once, on first use, and announced.

    The file is written under a temporary name and hard-linked into place, so two processes
    starting at once (test workers, runserver's reloader) never see a half-written file and
    exactly one of them creates it; the other reads the winner's keys.
    """
    path = Path(settings.TRACING_DEV_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "TRACING_KEKS": f"dev1:{new_key_b64()}",
            "TRACING_INDEX_KEYS": f"idx1:{new_key_b64()}",
            "TRACING_AUDIT_SIGNING_KEY": new_key_b64(),
        }
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: use its keys
        else:
            logger.warning("Created development encryption keys in %s (never use in production)", path)
        finally:
            os.unlink(tmp)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


class SettingsKeyProvider(KeyProvider):
    """Reads TRACING_KEKS / TRACING_INDEX_KEYS / TRACING_AUDIT_SIGNING_KEY, else the dev file.

    Parsed rings are kept for the life of the provider: every sealed or opened value asks
    for the KEK ring, and re-parsing it (or re-reading the dev file) would dominate the cost.
    `reset_key_cache()` (also sent on a settings change) makes a fresh provider.
    """

    def __init__(self) -> None:
        self._rings: dict[str, KeyRing] = {}

    def _ring(self, name: str) -> KeyRing:
        ring = self._rings.get(name)
        if ring is None:
            ring = self._rings[name] = parse_ring(self._value(name), name=name)
        return ring

    def _value(self, name: str) -> str:
        value = getattr(settings, name, "")
        if value:
            return value
        if settings.PRODUCTION:
            raise ImproperlyConfigured(f"{name} must be set in production")
        return _dev_keys()[name]

    def kek_ring(self) -> KeyRing:
        return self._ring("TRACING_KEKS")

    def index_ring(self) -> KeyRing:
        return self._ring("TRACING_INDEX_KEYS")

    def audit_signing_key(self) -> bytes:
        b64 = self._value("TRACING_AUDIT_SIGNING_KEY")
        return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))

    def uses_dev_keys(self) -> bool:
        return not (settings.TRACING_KEKS and settings.TRACING_INDEX_KEYS)


@lru_cache(maxsize=1)
def provider() -> KeyProvider:
    return import_string(settings.TRACING_KEY_PROVIDER)()


def reset_key_cache() -> None:
    """Forget cached providers and unwrapped keys (tests that change settings, rotation)."""
    provider.cache_clear()
    from tracing.crypto import envelope

    envelope.forget_unwrapped()


_KEY_SETTINGS = frozenset({
    "TRACING_KEKS", "TRACING_INDEX_KEYS", "TRACING_AUDIT_SIGNING_KEY", "TRACING_DEV_KEY_FILE",
    "TRACING_KEY_PROVIDER", "PRODUCTION",
})


@receiver(setting_changed)
def _key_settings_changed(*, setting: str, **kwargs: object) -> None:
    # override_settings / pytest-django's `settings`: never keep serving the previous keys.
    if setting in _KEY_SETTINGS:
        reset_key_cache()
        from tracing.crypto import blind

        blind.reset()
