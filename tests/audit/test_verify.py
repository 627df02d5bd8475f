"""verify_audit catches every kind of tampering, and names the first bad event."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.checkpoints import write_checkpoint
from audit.events import record_event
from audit.models import AuditCheckpoint, AuditEvent
from audit.verify import verify_chain
from tests.audit.dbtools import COLUMNS, purge_audit_tables, rehash_from, tamper


@pytest.fixture
def chain(caseworker: Any) -> list[AuditEvent]:
    return [
        record_event(event_type="case.transition", actor=caseworker, case_id=f"case-{i}",
                     data={"to": "searching", "n": i})
        for i in range(1, 9)
    ]


def verify_fails(seq: int | None, reason: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    message = str(excinfo.value)
    if seq is not None:
        assert f"first bad seq {seq})" in message
    assert reason in message + err.getvalue()
    return message + "\n" + err.getvalue()


def shift_seqs(from_seq: int, by: int) -> None:
    # Two steps, so the primary key never collides half-way.
    tamper("UPDATE audit_auditevent SET seq = -seq WHERE seq >= %s", [from_seq])
    tamper("UPDATE audit_auditevent SET seq = -seq + %s WHERE seq < 0", [by])


@pytest.mark.django_db
def test_clean_chain_verifies(chain: list[AuditEvent]) -> None:
    write_checkpoint()
    record_event(event_type="auth.login", actor=None)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["ok"] is True and summary["first_bad_seq"] is None
    assert (summary["events"], summary["last_seq"], summary["checkpoints"]) == (9, 9, 1)
    assert summary["head_hash"] == AuditEvent.objects.get(seq=9).hash
    assert summary["guards_present"] is True


@pytest.mark.django_db
def test_edited_event_is_caught(chain: list[AuditEvent]) -> None:
    assert tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 4", [json.dumps({"to": "closed"})]) == 1
    verify_fails(4, "edited")
    result = verify_chain()
    assert [(p.code, p.seq) for p in result.problems] == [("hash_mismatch", 4)]


@pytest.mark.django_db
def test_deleted_event_is_caught(chain: list[AuditEvent]) -> None:
    assert tamper("DELETE FROM audit_auditevent WHERE seq = 5") == 1
    verify_fails(5, "missing")


@pytest.mark.django_db
def test_deleted_and_renumbered_event_is_caught(chain: list[AuditEvent]) -> None:
    tamper("DELETE FROM audit_auditevent WHERE seq = 5")
    shift_seqs(6, -1)
    tamper("UPDATE audit_chainhead SET seq = 7, hash = %s", [chain[7].hash])
    verify_fails(5, "prev_hash does not match")


@pytest.mark.django_db
def test_inserted_event_is_caught(chain: list[AuditEvent]) -> None:
    # A forged event with a correct hash, linked to event 2, slipped in as the new event 3.
    forged = AuditEvent(**{c: getattr(chain[1], c) for c in COLUMNS if c != "hash"})
    forged.seq, forged.prev_hash, forged.data = 3, chain[1].hash, {"to": "closed"}
    forged.hash = forged.compute_hash()
    shift_seqs(3, 1)
    tamper(f"INSERT INTO audit_auditevent ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * 12)})",
           [forged.seq, forged.occurred_at, forged.event_type, forged.actor_id, forged.actor_username,
            forged.actor_office_id, forged.office_id, forged.case_id, json.dumps(forged.person_ids),
            json.dumps(forged.data), forged.prev_hash, forged.hash])
    assert AuditEvent.objects.count() == 9
    verify_fails(4, "prev_hash does not match")


@pytest.mark.django_db
def test_reordered_events_are_caught(chain: list[AuditEvent]) -> None:
    tamper("UPDATE audit_auditevent SET seq = -1 WHERE seq = 3")
    tamper("UPDATE audit_auditevent SET seq = 3 WHERE seq = 4")
    tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = -1")
    verify_fails(3, "prev_hash does not match")
    assert {(p.code, p.seq) for p in verify_chain().problems} >= {("hash_mismatch", 3), ("hash_mismatch", 4)}


@pytest.mark.django_db
def test_truncated_tail_behind_a_checkpoint_is_caught(chain: list[AuditEvent]) -> None:
    assert write_checkpoint().size == 8
    tamper("DELETE FROM audit_auditevent WHERE seq > 6")
    # The attacker also winds the head back, so only the checkpoint still knows.
    tamper("UPDATE audit_chainhead SET seq = 6, hash = %s", [chain[5].hash])
    message = verify_fails(7, "covers 8 events")
    assert "ends at event 6" in message


@pytest.mark.django_db
def test_truncated_tail_without_checkpoint_is_caught_by_the_head(chain: list[AuditEvent]) -> None:
    tamper("DELETE FROM audit_auditevent WHERE seq > 6")
    verify_fails(7, "its head is at 8")


@pytest.mark.django_db
def test_rewritten_history_behind_a_checkpoint_is_caught(chain: list[AuditEvent]) -> None:
    write_checkpoint()
    record_event(event_type="auth.login", actor=None)
    tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 2", [json.dumps({"to": "closed"})])
    rehash_from(2)  # every hash recomputed: the chain alone is self-consistent again
    assert verify_chain().problems[0].code == "checkpoint_mismatch"
    verify_fails(8, "differs from the checkpoint")


@pytest.mark.django_db
def test_tampered_checkpoint_signature_is_caught(chain: list[AuditEvent]) -> None:
    checkpoint = write_checkpoint()
    other = AuditCheckpoint.objects.get(pk=checkpoint.pk).signature
    forged = other[:10] + ("A" if other[10] != "A" else "B") + other[11:]
    tamper("UPDATE audit_auditcheckpoint SET signature = %s WHERE id = %s", [forged, checkpoint.pk])
    message = verify_fails(None, "checkpoint at size 8: signature does not verify")
    assert message.startswith("audit chain verification FAILED (checkpoint)")


@pytest.mark.django_db
def test_checkpoint_moved_to_another_head_is_caught(chain: list[AuditEvent]) -> None:
    checkpoint = write_checkpoint()
    tamper("UPDATE audit_auditcheckpoint SET head_hash = %s WHERE id = %s", [chain[6].hash, checkpoint.pk])
    output = verify_fails(8, "differs from the checkpoint")
    assert "checkpoint at size 8: signature does not verify" in output


@pytest.mark.django_db
def test_checkpoint_by_an_unknown_key_is_caught(chain: list[AuditEvent]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from audit import checkpoints

    forger = Ed25519PrivateKey.generate()
    real = checkpoints.signing_key
    checkpoints.signing_key = lambda: forger  # type: ignore[assignment]
    try:
        forged = checkpoints.sign_checkpoint(8, chain[7].hash)
    finally:
        checkpoints.signing_key = real  # type: ignore[assignment]
    forged.save()
    assert AuditCheckpoint.objects.count() == 1
    verify_fails(None, "unknown key")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="forked workers need a shared server database")
@pytest.mark.django_db(transaction=True)
def test_parallel_verification_finds_the_same_problems(caseworker: Any) -> None:
    try:
        for i in range(40):
            record_event(event_type="request.sent", actor=caseworker, data={"n": i})
        write_checkpoint()
        clean = verify_chain(workers=2)
        assert clean.ok and clean.events == 40 and clean.checkpoints == 1
        # With 3 workers the ranges are 1-13, 14-26, 27-: break both sides of a boundary.
        tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 13", [json.dumps({"n": 0})])
        tamper("DELETE FROM audit_auditevent WHERE seq = 14")
        tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 33", [json.dumps({"n": 0})])
        serial, parallel = verify_chain(), verify_chain(workers=3)
        found = [(p.code, p.seq) for p in parallel.problems]
        assert found == [(p.code, p.seq) for p in serial.problems]
        assert found == [("hash_mismatch", 13), ("missing", 14), ("broken_link", 15), ("hash_mismatch", 33)]
        out = StringIO()
        with pytest.raises(CommandError, match=r"first bad seq 13\)"):
            call_command("verify_audit", "--workers", "2", stdout=out, stderr=StringIO())
    finally:
        purge_audit_tables()
