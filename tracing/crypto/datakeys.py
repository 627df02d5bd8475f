"""Creating, unwrapping, re-wrapping and destroying data keys."""

from __future__ import annotations

import os

from django.utils import timezone

from tracing.crypto import envelope
from tracing.crypto.keys import provider
from tracing.exceptions import DecryptionFailed
from tracing.models import DataKey


def data_key_create(*, purpose: str) -> DataKey:
    ring = provider().kek_ring()
    key = DataKey(purpose=purpose, kek_id=ring.current)
    key.wrapped = envelope.wrap(ring.get(ring.current), ring.current, os.urandom(32), key.id.hex)
    key.save(force_insert=True)
    return key


def dek_bytes(key: DataKey) -> bytes:
    if key.wrapped is None:
        raise DecryptionFailed(f"data key {key.id} was destroyed")
    return envelope.unwrap_cached(provider().kek_ring().get, key.wrapped, key.id.hex)


def data_key_rewrap(key: DataKey) -> bool:
    """Re-wrap under the current KEK. Returns False if there was nothing to do."""
    ring = provider().kek_ring()
    if key.wrapped is None or key.kek_id == ring.current:
        return False
    dek = dek_bytes(key)
    key.wrapped = envelope.wrap(ring.get(ring.current), ring.current, dek, key.id.hex)
    key.kek_id = ring.current
    key.save(update_fields=["wrapped", "kek_id"])
    return True


def data_key_destroy(key: DataKey) -> None:
    """Crypto-shred: after this nothing sealed under the key can be opened, anywhere."""
    key.wrapped = None
    key.destroyed_at = timezone.now()
    key.save(update_fields=["wrapped", "destroyed_at"])
    envelope.forget_unwrapped(key.id.hex)
