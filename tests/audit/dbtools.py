"""Raw database access that bypasses the append-only triggers, as a DB superuser could.

Tests use it to tamper with the log and show that verification catches it, and to empty
the audit tables before a transactional test's flush (flush refuses non-empty audit tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction

from audit.chain import GENESIS_HASH, event_hash
from audit.guards import APPEND_ONLY_TABLES, install_statements, uninstall_statements

COLUMNS = (
    "seq", "occurred_at", "event_type", "actor_id", "actor_username", "actor_office_id",
    "office_id", "case_id", "person_ids", "data", "prev_hash", "hash",
)


@contextmanager
def guards_disabled(using: str = "default") -> Iterator[Any]:
    """A cursor with the append-only triggers off; they are back on when the block ends."""
    connection = connections[using]
    pg = connection.vendor == "postgresql"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if pg:
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in APPEND_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for sql in uninstall_statements(connection.vendor):
                cursor.execute(sql)
        yield cursor
        if pg:
            for table in APPEND_ONLY_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for sql in install_statements(connection.vendor):
                cursor.execute(sql)


def tamper(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    """Run one statement against the audit tables with the triggers off; rows affected."""
    with guards_disabled() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def purge_audit_tables(using: str = "default") -> None:
    """Empty the audit log and reset its head (transactional tests, before their flush)."""
    with guards_disabled(using) as cursor:
        for table in APPEND_ONLY_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute("UPDATE audit_chainhead SET seq = 0, hash = %s", [GENESIS_HASH])


def rehash_from(seq: int) -> None:
    """Recompute hash and prev_hash of every event from `seq` on: an attacker who knows
    the algorithm covering an edit. Only a signed checkpoint can then reveal it."""
    from audit.models import AuditEvent

    rows = list(AuditEvent.objects.filter(seq__gte=seq - 1).order_by("seq"))
    prev = rows[0].hash
    with guards_disabled() as cursor:
        for event in rows[1:]:
            event.prev_hash = prev
            columns = event.hashed_columns()
            event.hash = event_hash(**columns)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [event.prev_hash, event.hash, event.seq],
            )
            prev = event.hash
        cursor.execute("UPDATE audit_chainhead SET seq = %s, hash = %s", [rows[-1].seq, prev])
