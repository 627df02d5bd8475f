"""Signed checkpoints of the audit chain, in the C2SP tlog-checkpoint / signed-note style.

The signed text (UTF-8, each line ending in a newline):

    family-tracing/audit
    <size: number of events, decimal>
    <head hash: the hash of event `size`, standard base64 of the 32 bytes>
    time <signed_at, UTC, 2026-01-02T03:04:05.123456Z>

The signature is Ed25519 over exactly those bytes, by the key from
`provider().audit_signing_key()`. The key id is the signed-note key hash: the first four
bytes of SHA-256(origin || 0x0A || 0x01 || public key), as hex. A checkpoint published
outside the database (AUDIT_LOG, a ticket, another server) is `signed_note()`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, format_time
from audit.exceptions import AuditError
from audit.models import AuditCheckpoint, AuditEvent
from tracing.crypto.keys import provider

logger = logging.getLogger(__name__)

ORIGIN = "family-tracing/audit"


class ChainBroken(AuditError):
    """The chain failed verification, so it must not be signed."""


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    digest = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + _raw_public(public_key)).digest()
    return digest[:4].hex()


def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(provider().audit_signing_key())


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys whose checkpoints verify: the current signing key, plus retired ones.

    Retired keys come from TRACING_AUDIT_TRUSTED_PUBLIC_KEYS (comma-separated base64 raw
    public keys); never from the database, where an attacker could add their own.
    """
    keys = [signing_key().public_key()]
    for item in getattr(settings, "TRACING_AUDIT_TRUSTED_PUBLIC_KEYS", "").split(","):
        if item.strip():
            raw = base64.urlsafe_b64decode(item.strip() + "=" * (-len(item.strip()) % 4))
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
    return {key_id(k): k for k in keys}


def checkpoint_text(size: int, head_hash: str, signed_at: dt.datetime) -> bytes:
    """The exact bytes that are signed (see the module docstring)."""
    root = base64.b64encode(bytes.fromhex(head_hash)).decode()
    return f"{ORIGIN}\n{size}\n{root}\ntime {format_time(signed_at)}\n".encode()


def signed_note(checkpoint: AuditCheckpoint) -> str:
    """The checkpoint as a C2SP signed note, for publishing outside the database."""
    text = checkpoint_text(checkpoint.size, checkpoint.head_hash, checkpoint.signed_at).decode()
    blob = bytes.fromhex(checkpoint.key_id) + base64.b64decode(checkpoint.signature)
    return f"{text}\n\u2014 {ORIGIN} {base64.b64encode(blob).decode()}\n"


def checkpoint_problem(
    checkpoint: AuditCheckpoint, keys: dict[str, Ed25519PublicKey]
) -> str | None:
    """Why the checkpoint's signature does not verify, or None when it does."""
    public = keys.get(checkpoint.key_id)
    if public is None:
        return f"signed by unknown key {checkpoint.key_id!r}"
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        text = checkpoint_text(checkpoint.size, checkpoint.head_hash, checkpoint.signed_at)
        public.verify(signature, text)
    except (InvalidSignature, ValueError):
        return "signature does not verify"
    return None


def sign_checkpoint(size: int, head_hash: str) -> AuditCheckpoint:
    """An unsaved checkpoint for the chain of `size` events ending in `head_hash`."""
    private = signing_key()
    signed_at = timezone.now()
    signature = private.sign(checkpoint_text(size, head_hash, signed_at))
    return AuditCheckpoint(
        size=size,
        head_hash=head_hash,
        signed_at=signed_at,
        signature=base64.b64encode(signature).decode(),
        key_id=key_id(private.public_key()),
    )


def write_checkpoint() -> AuditCheckpoint | None:
    """Sign the chain as it is now, after verifying what was added since the last checkpoint.

    Idempotent: returns None when no event was added since the last checkpoint (or when a
    concurrent run signed the same size first). Raises ChainBroken rather than sign a chain
    that does not verify.
    """
    from audit.verify import scan_chain  # verify imports this module

    last = AuditCheckpoint.objects.order_by("-size").first()
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None or (last is not None and last.size >= head[0]):
        return None
    if last is not None and (problem := checkpoint_problem(last, trusted_keys())):
        raise ChainBroken(f"latest checkpoint at size {last.size}: {problem}")
    scan = scan_chain(
        after_seq=last.size if last else 0,
        prev_hash=last.head_hash if last else GENESIS_HASH,
        upto_seq=head[0],
    )
    if scan.problems:
        first = scan.problems[0]
        raise ChainBroken(f"audit chain broken at seq {first.seq}: {first.message}")
    checkpoint = sign_checkpoint(head[0], head[1])
    try:
        with transaction.atomic():
            checkpoint.save()
    except IntegrityError:
        return None  # another worker signed this size first
    logger.info("audit checkpoint\n%s", signed_note(checkpoint))
    return checkpoint
