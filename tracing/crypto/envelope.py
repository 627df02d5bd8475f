"""AES-256-GCM sealing of values and data keys.

Value token: ``v1$<data key id>$<base64url(nonce || ciphertext+tag)>``. The associated
data is the header plus ``<model label>|<field>|<record id>``, so a token moved to another
row, field or table, or with an edited header, fails to open. Data keys are wrapped the
same way under a key-encryption key, with the data key id as associated data.
"""

from __future__ import annotations

import base64
import os
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from threading import Lock

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tracing.exceptions import DecryptionFailed

VERSION = "v1"
NONCE_BYTES = 12


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=1024)
def _aead(key: bytes) -> AESGCM:
    # Building the cipher object costs about as much as sealing a short value; a list page
    # opens many values under few keys. Cleared with the unwrapped keys (forget_unwrapped).
    return AESGCM(key)


def seal(key: bytes, key_id: str, plaintext: bytes, context: str) -> str:
    header = f"{VERSION}${key_id}$"
    nonce = os.urandom(NONCE_BYTES)
    ct = _aead(key).encrypt(nonce, plaintext, (header + context).encode())
    return header + _b64e(nonce + ct)


def token_key_id(token: str) -> str:
    try:
        version, key_id, _body = token.split("$", 2)
    except ValueError as exc:
        raise DecryptionFailed("not an encrypted value") from exc
    if version != VERSION:
        raise DecryptionFailed(f"unknown ciphertext version {version!r}")
    return key_id


def open_(key: bytes, token: str, context: str) -> bytes:
    key_id = token_key_id(token)
    header = f"{VERSION}${key_id}$"
    try:
        blob = _b64d(token[len(header) :])
        return _aead(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], (header + context).encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed("ciphertext failed authentication") from exc


# --- data keys under key-encryption keys ----------------------------------------------------


def wrap(kek: bytes, kek_id: str, dek: bytes, data_key_id: str) -> str:
    return seal(kek, kek_id, dek, f"datakey|{data_key_id}")


def unwrap(kek: bytes, wrapped: str, data_key_id: str) -> bytes:
    return open_(kek, wrapped, f"datakey|{data_key_id}")


class _LRU:
    """Unwrapped data keys by (data key id, wrapped token). A shredded key has no token,
    so it can never be found here again."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.lock = Lock()

    def get(self, k: tuple[str, str]) -> bytes | None:
        with self.lock:
            value = self.items.get(k)
            if value is not None:
                self.items.move_to_end(k)
            return value

    def put(self, k: tuple[str, str], v: bytes) -> None:
        with self.lock:
            self.items[k] = v
            if len(self.items) > self.size:
                self.items.popitem(last=False)

    def drop_keys(self, data_key_ids: set[str]) -> None:
        with self.lock:
            for k in [k for k in self.items if k[0] in data_key_ids]:
                del self.items[k]

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_unwrapped = _LRU()


def unwrap_cached(ring_get: object, wrapped: str, data_key_id: str) -> bytes:
    cached = _unwrapped.get((data_key_id, wrapped))
    if cached is not None:
        return cached
    kek_id = token_key_id(wrapped)
    try:
        kek = ring_get(kek_id)  # type: ignore[operator]
    except KeyError as exc:
        raise DecryptionFailed(f"key-encryption key {kek_id!r} is not configured") from exc
    dek = unwrap(kek, wrapped, data_key_id)
    _unwrapped.put((data_key_id, wrapped), dek)
    return dek


def forget_unwrapped(data_key_id: str | Iterable[str] | None = None) -> None:
    """Drop unwrapped data keys from this process's cache: one (hex id), several, or all."""
    _aead.cache_clear()
    if data_key_id is None:
        _unwrapped.clear()
    else:
        # One pass over the cache however many keys (a rotation batch shreds a thousand).
        _unwrapped.drop_keys({data_key_id} if isinstance(data_key_id, str) else set(data_key_id))
