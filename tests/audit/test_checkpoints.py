"""Signed checkpoints: format, signature, idempotence, refusal to sign a broken chain."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoints import ChainBroken, checkpoint_text, key_id, signed_note, write_checkpoint
from audit.events import record_event
from audit.models import AuditCheckpoint
from audit.tasks import audit_write_checkpoint
from tests.audit.dbtools import tamper
from tracing.crypto.keys import provider


@pytest.mark.django_db
def test_nothing_to_sign_on_an_empty_chain() -> None:
    assert write_checkpoint() is None
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.django_db
def test_checkpoint_is_signed_by_the_audit_key(caseworker: Any) -> None:
    events = [record_event(event_type="case.opened", actor=caseworker) for _ in range(3)]
    checkpoint = write_checkpoint()
    stored = AuditCheckpoint.objects.get()
    assert (stored.size, stored.head_hash) == (3, events[-1].hash)
    public = Ed25519PrivateKey.from_private_bytes(provider().audit_signing_key()).public_key()
    assert stored.key_id == key_id(public)
    text = checkpoint_text(stored.size, stored.head_hash, stored.signed_at)
    public.verify(base64.b64decode(stored.signature), text)  # raises if it does not verify
    lines = text.decode().splitlines()
    assert lines[:3] == ["family-tracing/audit", "3", base64.b64encode(bytes.fromhex(events[-1].hash)).decode()]
    assert lines[3].startswith("time ") and lines[3].endswith("Z")
    note = signed_note(checkpoint)
    assert note.startswith(text.decode() + "\n\u2014 family-tracing/audit ")


@pytest.mark.django_db
def test_task_is_idempotent(caseworker: Any) -> None:
    record_event(event_type="auth.login", actor=caseworker)
    first = audit_write_checkpoint.delay().get()
    assert first["size"] == 1
    assert audit_write_checkpoint.delay().get() is None
    assert AuditCheckpoint.objects.count() == 1
    record_event(event_type="auth.login", actor=caseworker)
    assert audit_write_checkpoint.delay().get()["size"] == 2
    assert list(AuditCheckpoint.objects.values_list("size", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_a_broken_chain_is_not_signed(caseworker: Any) -> None:
    for _ in range(3):
        record_event(event_type="case.opened", actor=caseworker)
    write_checkpoint()
    record_event(event_type="case.transition", actor=caseworker)
    tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 4", [json.dumps({"to": "closed"})])
    with pytest.raises(ChainBroken, match="seq 4"):
        write_checkpoint()
    assert list(AuditCheckpoint.objects.values_list("size", flat=True)) == [3]
