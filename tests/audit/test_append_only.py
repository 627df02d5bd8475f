"""The log cannot be changed through the ORM, nor by SQL while the triggers stand."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.events import record_event
from audit.exceptions import AppendOnlyViolation
from audit.guards import guards_present
from audit.models import AuditCheckpoint, AuditEvent
from audit.verify import verify_chain
from tests.audit.dbtools import guards_disabled


def refused_by_database(sql: str, params: list[Any] | None = None) -> None:
    # The savepoint lets the test go on after the error on PostgreSQL.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)


@pytest.mark.django_db
def test_triggers_refuse_update_and_delete(caseworker: Any) -> None:
    from audit.checkpoints import write_checkpoint

    event = record_event(event_type="case.opened", actor=caseworker, data={"state": "open"})
    write_checkpoint()
    refused_by_database("UPDATE audit_auditevent SET event_type = 'x' WHERE seq = %s", [event.seq])
    refused_by_database("DELETE FROM audit_auditevent WHERE seq = %s", [event.seq])
    refused_by_database("DELETE FROM audit_auditevent")
    refused_by_database("UPDATE audit_auditcheckpoint SET size = 99")
    refused_by_database("DELETE FROM audit_auditcheckpoint")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE waits for no deferred FK check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused_by_database("TRUNCATE audit_auditevent CASCADE")
        refused_by_database("TRUNCATE audit_auditcheckpoint")
    stored = AuditEvent.objects.get()
    assert (stored.event_type, stored.hash) == ("case.opened", event.hash)
    assert AuditCheckpoint.objects.count() == 1
    assert verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db
def test_truncate_of_an_empty_log_is_allowed_for_test_flushes() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent, audit_auditcheckpoint")
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_guards_present_sees_a_disabled_trigger(caseworker: Any) -> None:
    record_event(event_type="auth.login", actor=caseworker)
    assert guards_present(connection)
    with guards_disabled():
        assert not guards_present(connection)
        assert verify_chain().guards_present is False
    assert guards_present(connection)


@pytest.mark.django_db
def test_orm_refuses_changes(caseworker: Any) -> None:
    event = record_event(event_type="case.opened", actor=caseworker)
    event.event_type = "case.closed"
    with pytest.raises(AppendOnlyViolation):
        event.save()
    with pytest.raises(AppendOnlyViolation):
        event.delete()
    for operation in (
        lambda: AuditEvent.objects.filter(seq=event.seq).update(event_type="x"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["event_type"]),
        lambda: AuditEvent.objects.bulk_create([AuditEvent(seq=2)]),
        lambda: AuditCheckpoint.objects.all().delete(),
    ):
        with pytest.raises(AppendOnlyViolation):
            operation()
    assert AuditEvent.objects.get().event_type == "case.opened"


@pytest.mark.django_db
def test_hand_built_event_with_a_wrong_hash_is_refused(caseworker: Any) -> None:
    first = record_event(event_type="case.opened", actor=caseworker)
    forged = AuditEvent(seq=2, occurred_at=first.occurred_at, event_type="case.closed",
                        prev_hash=first.hash, hash=first.hash)
    with pytest.raises(AppendOnlyViolation, match="hash"):
        forged.save()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_offices_with_history_cannot_be_deleted(caseworker: Any, other_office: Any) -> None:
    from django.db.models import ProtectedError

    record_event(event_type="share.granted", actor=caseworker, office=other_office)
    with pytest.raises((ProtectedError, DatabaseError)):
        other_office.delete()
    assert AuditEvent.objects.get().office_id == other_office.pk
