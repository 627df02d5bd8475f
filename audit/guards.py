"""Database triggers that make the audit tables append-only, per database vendor.

They stop application bugs, raw SQL slips and any role without ownership of the tables.
A superuser or the table owner can still disable them; that is what the hash chain and
the signed checkpoints are for (docs/audit.md). Migration 0002 installs these; a later
migration that rebuilds an audit table on SQLite (Django remakes tables there) drops the
triggers with the old table and must install them again. `guards_present()` checks.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_auditcheckpoint")

_PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE has_rows boolean;
BEGIN
    -- Emptying an empty table destroys nothing; allowing it keeps test-database flushes working.
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO has_rows;
    IF has_rows THEN
        RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$;
"""


def _pg_install(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""


def _sqlite_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [_PG_FUNCTIONS] + [_pg_install(t) for t in APPEND_ONLY_TABLES]
    if vendor == "sqlite":
        return [sql for t in APPEND_ONLY_TABLES for sql in _sqlite_install(t)]
    return []


def uninstall_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        drops = [
            f"DROP TRIGGER IF EXISTS {t}_{suffix} ON {t}"
            for t in APPEND_ONLY_TABLES
            for suffix in ("no_change", "no_truncate")
        ]
        return drops + [
            f"DROP FUNCTION IF EXISTS {fn}()"
            for fn in ("audit_refuse_change", "audit_refuse_truncate")
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {t}_no_{op}"
            for t in APPEND_ONLY_TABLES
            for op in ("update", "delete")
        ]
    return []


def expected_triggers(vendor: str) -> set[str]:
    suffixes = {
        "postgresql": ("no_change", "no_truncate"),
        "sqlite": ("no_update", "no_delete"),
    }.get(vendor, ())
    return {f"{t}_{s}" for t in APPEND_ONLY_TABLES for s in suffixes}


def guards_present(connection: BaseDatabaseWrapper) -> bool:
    """True when every append-only trigger exists and (on PostgreSQL) is enabled."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
                " AND tgrelid IN (SELECT oid FROM pg_class WHERE relname = ANY(%s))",
                [list(APPEND_ONLY_TABLES)],
            )
        elif vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return False
        found = {row[0] for row in cursor.fetchall()}
    return expected_triggers(vendor) <= found
