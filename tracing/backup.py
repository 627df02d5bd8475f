"""Backups of the database that hold ciphertext only, and their restore into a fresh database.

A backup is a directory with the database (PostgreSQL: `pg_dump` custom format; SQLite: a copy
made with SQLite's online backup API) and `manifest.json`: the checksum of the database file,
the migrations applied, and the *ids* of the keys needed to read it (KEKs, blind-index key
versions, audit signing keys). Key material is never written: keys come from the environment
(or `*_FILE`, see tracing/crypto/keys.py) and are backed up separately, so a stolen backup
is ciphertext without its keys. See docs/operations.md, "Backups and restore".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment only."""
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _vendor(db: Mapping[str, Any]) -> str:
    engine = str(db["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"unsupported database engine {engine}")


def key_ids(alias: str = "default") -> dict[str, list[str]]:
    """The ids (never the keys) a restored copy of this database needs to be readable."""
    from audit.models import AuditCheckpoint
    from cases.models import PersonSearchTerm
    from tracing.models import DataKey

    def distinct(qs: Any, field: str) -> list[str]:
        return sorted({v for v in qs.values_list(field, flat=True).distinct() if v})

    return {
        "kek": distinct(DataKey.objects.using(alias).filter(wrapped__isnull=False), "kek_id"),
        "index": distinct(PersonSearchTerm.objects.using(alias), "key_version"),
        "audit_signing": distinct(AuditCheckpoint.objects.using(alias), "key_id"),
    }


def _migrations(alias: str) -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def create_backup(output_dir: Path, *, alias: str = "default") -> Path:
    """Write a backup directory under `output_dir` and return its path."""
    db = connections[alias].settings_dict
    vendor = _vendor(db)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(output_dir) / f"tracing-backup-{stamp}"
    target.mkdir(parents=True)
    data_file = target / _FILES[vendor]
    if vendor == "postgresql":
        args, env = _pg_env(db)
        # Custom format: compressed, and pg_restore can restore it into any empty database.
        cmd = ["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(data_file), str(db["NAME"])]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            shutil.rmtree(target)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        connections[alias].ensure_connection()
        source = connections[alias].connection
        with sqlite3.connect(data_file) as copy:
            source.backup(copy)  # consistent while the service keeps writing
        copy.close()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "vendor": vendor,
        "file": data_file.name,
        "sha256": _sha256(data_file),
        "size": data_file.stat().st_size,
        "migrations": _migrations(alias),
        "keys_needed": key_ids(alias),
        "note": "Ciphertext only. The keys listed by id are not in this backup; restore them from the secrets store.",
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def read_manifest(backup_dir: Path) -> dict[str, Any]:
    """The manifest, after checking that the database file is the one it describes."""
    path = Path(backup_dir) / MANIFEST
    if not path.exists():
        raise BackupError(f"{backup_dir} has no {MANIFEST}: not a backup")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    data_file = Path(backup_dir) / manifest["file"]
    if not data_file.exists() or _sha256(data_file) != manifest["sha256"]:
        raise BackupError(f"{data_file.name} is missing or does not match the manifest's checksum")
    return manifest


def missing_keys(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Key ids the manifest needs that this process's key configuration does not have."""
    from tracing.crypto import blind
    from tracing.crypto.keys import provider

    configured = {
        "kek": set(provider().kek_ring().keys),
        "index": set(blind.active_versions()),
    }
    needed = manifest.get("keys_needed", {})
    return {kind: sorted(set(needed.get(kind, [])) - have) for kind, have in configured.items()
            if set(needed.get(kind, [])) - have}


def _pg_is_empty(db: Mapping[str, Any]) -> bool:
    import psycopg

    with psycopg.connect(
        host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or None,
        password=db.get("PASSWORD") or None, dbname=db["NAME"], connect_timeout=10,
    ) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return not row or row[0] == 0


def restore_backup(backup_dir: Path, database_url: str) -> dict[str, Any]:
    """Restore into the *empty* database at `database_url`; returns the manifest.

    Refuses a database that already has tables: restoring over live data would mix two
    states (and the audit tables refuse to be emptied).
    """
    manifest = read_manifest(backup_dir)
    db = {k.upper(): v for k, v in dj_database_url.parse(database_url).items()}
    if _vendor(db) != manifest["vendor"]:
        raise BackupError(f"the backup is {manifest['vendor']}, the target is {_vendor(db)}")
    data_file = Path(backup_dir) / manifest["file"]
    if manifest["vendor"] == "postgresql":
        if not _pg_is_empty(db):
            raise BackupError(f"database {db['NAME']} is not empty: restore into a fresh database")
        args, env = _pg_env(db)
        cmd = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               *args, "-d", str(db["NAME"]), str(data_file)]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        target = Path(db["NAME"])
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore into a fresh database file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(data_file) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
    return manifest
