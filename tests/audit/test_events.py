"""record_event: columns, chaining, transactions, concurrency."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection, connections, transaction

from audit.chain import GENESIS_HASH
from audit.events import record_event
from audit.exceptions import UnsafeAuditData
from audit.models import AuditEvent, ChainHead
from audit.verify import verify_chain
from tests.audit.dbtools import purge_audit_tables


@pytest.mark.django_db
def test_event_columns_and_chain(caseworker: Any, office: Any, other_office: Any) -> None:
    case_id, person = uuid.uuid4(), uuid.uuid4()
    first = record_event(event_type="case.opened", actor=caseworker, office=other_office,
                         case_id=case_id, person_ids=[person, person, str(person)],
                         data={"sought": 1, "state": "open", "when": None})
    second = record_event(event_type="case.transition", actor=None,
                          data={"from": "open", "to": "searching"})

    stored = AuditEvent.objects.get(seq=first.seq)
    assert (stored.seq, stored.prev_hash) == (1, GENESIS_HASH)
    assert stored.actor_id == caseworker.pk and stored.actor_username == "cw_audit"
    assert stored.actor_office_id == office.pk and stored.office_id == other_office.pk
    assert stored.case_id == str(case_id) and stored.person_ids == [str(person)]
    assert stored.data == {"sought": 1, "state": "open", "when": None}
    assert stored.hash == stored.compute_hash() == first.hash
    again = AuditEvent.objects.get(seq=2)
    assert again.prev_hash == stored.hash and again.actor_id is None and again.actor_username == ""
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)


@pytest.mark.django_db
def test_failed_action_writes_no_event(caseworker: Any) -> None:
    kept = record_event(event_type="case.opened", actor=caseworker)
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(event_type="case.transition", actor=caseworker, data={"to": "closed"})
        assert AuditEvent.objects.count() == 2  # visible inside the action's transaction
        raise RuntimeError("the action failed after recording its event")
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1]
    assert ChainHead.objects.values_list("seq", "hash").get() == (1, kept.hash)
    after = record_event(event_type="case.transition", actor=caseworker)
    assert (after.seq, after.prev_hash) == (2, kept.hash)
    assert verify_chain().ok


@pytest.mark.django_db
def test_user_deletion_keeps_the_event(caseworker: Any) -> None:
    event = record_event(event_type="auth.login", actor=caseworker)
    user_id = caseworker.pk
    caseworker.delete()
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (stored.actor_id, stored.actor_username) == (user_id, "cw_audit")
    assert verify_chain().ok


@pytest.mark.django_db
def test_refuses_unstable_or_malformed_input(caseworker: Any) -> None:
    with pytest.raises(UnsafeAuditData):
        record_event(event_type="match.scored", actor=caseworker, data={"score": 0.93})
    with pytest.raises(UnsafeAuditData):
        record_event(event_type="export", actor=caseworker, data={"blob": object()})
    with pytest.raises(ValueError, match="event_type"):
        record_event(event_type="Case Opened", actor=caseworker)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_sequential_writers_keep_seq_gapless(caseworker: Any) -> None:
    for i in range(50):
        with transaction.atomic():
            record_event(event_type="request.sent", actor=caseworker, data={"n": i})
            if i % 7 == 3:
                transaction.set_rollback(True)  # a failed action in between
    seqs = list(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 50 - 7
    assert verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(caseworker: Any) -> None:
    writers, per_writer = 6, 25
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    record_event(event_type="request.answered", actor=None, data={"w": n, "i": i})
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        seqs = list(AuditEvent.objects.values_list("seq", flat=True))
        assert seqs == list(range(1, writers * per_writer + 1))
        result = verify_chain()
        assert result.ok and result.events == writers * per_writer
    finally:
        purge_audit_tables()


@pytest.mark.django_db
def test_hash_survives_the_database_round_trip(caseworker: Any) -> None:
    # jsonb reorders keys and re-spaces; SQLite keeps text: both must verify.
    record_event(event_type="case.updated", actor=caseworker, case_id="NL-2026-00042",
                 data={"zz": 1, "a": {"é": ["ü", None, True]}, "ctl": "\t\u0001", "big": 2**62,
                       "fields": ["given_names", "family_name"]})
    record_event(event_type="keys.rotated", actor=None, data={"kek_id": "dev2", "rewrapped": 10})
    event = AuditEvent.objects.get(seq=1)
    assert event.data["a"] == {"é": ["ü", None, True]} and event.compute_hash() == event.hash
    result = verify_chain()
    assert result.ok and result.events == 2, result.problems
