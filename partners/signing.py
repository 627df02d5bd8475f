"""Request signatures of the partner API and webhook signatures (pure functions, no database).

Canonical string of a request (UTF-8, lines joined by a single "\\n", no trailing newline):

    partner-request-v1
    <METHOD, upper case>
    <path and query string exactly as sent, e.g. /api/v1/partners/requests/?status=sent>
    <X-Partner-Timestamp: Unix seconds>
    <X-Partner-Nonce>
    <SHA-256 of the raw body, lower-case hex (of b"" when there is no body)>
    <X-Partner-Key: the key id>

`X-Partner-Signature` is the base64url signature (padding optional) of that string: Ed25519,
or HMAC-SHA256 with the shared secret (the secret's raw bytes, i.e. base64url-decoded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SCHEME = "partner-request-v1"
HEADER_KEY = "X-Partner-Key"
HEADER_TIMESTAMP = "X-Partner-Timestamp"
HEADER_NONCE = "X-Partner-Nonce"
HEADER_SIGNATURE = "X-Partner-Signature"


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64d(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError on anything else."""
    text = text.strip()
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def canonical(*, method: str, path: str, timestamp: str, nonce: str, body: bytes, key_id: str) -> bytes:
    """The exact bytes a partner signs (see the module docstring)."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([SCHEME, method.upper(), path, timestamp, nonce, digest, key_id]).encode()


def hmac_sign(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def verify(*, algorithm: str, public_key: str, secret: str, message: bytes, signature: bytes) -> bool:
    """Does `signature` sign `message` under the key? Constant-time for HMAC."""
    if algorithm == "ed25519":
        try:
            Ed25519PublicKey.from_public_bytes(b64d(public_key)).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True
    if algorithm == "hmac-sha256":
        return hmac.compare_digest(hmac_sign(b64d(secret), message), signature)
    return False


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>` (the
    secret's UTF-8 bytes as the key), so a receiver can check it and refuse stale deliveries."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signed_headers(*, key_id: str, method: str, path: str, body: bytes, secret: str = "", private_key: Any = None,
                   nonce: str | None = None, timestamp: int | None = None) -> dict[str, str]:
    """A reference client: the four headers of a request signed with an HMAC secret (base64url)
    or an Ed25519 private key (`cryptography`'s Ed25519PrivateKey). A fresh nonce by default."""
    nonce = nonce or secrets.token_urlsafe(18)
    ts = str(timestamp if timestamp is not None else int(time.time()))
    message = canonical(method=method, path=path, timestamp=ts, nonce=nonce, body=body, key_id=key_id)
    raw = private_key.sign(message) if private_key is not None else hmac_sign(b64d(secret), message)
    return {HEADER_KEY: key_id, HEADER_TIMESTAMP: ts, HEADER_NONCE: nonce, HEADER_SIGNATURE: b64e(raw)}
