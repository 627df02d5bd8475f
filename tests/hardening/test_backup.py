"""manage.py backup / restore: ciphertext and a manifest out, a fresh database back in.

The restored database is read by a separate process started like the service would be after
a restore (DATABASE_URL plus the keys in the environment): with the keys the names come back,
with other keys they cannot be decrypted. The backup itself never contains key material.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cases.actions import case_open
from tests.factories import sample_case_data
from tests.hardening.conftest import require_postgresql
from tracing.backup import BackupError, read_manifest, restore_backup
from tracing.crypto.keys import new_key_b64

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_NAMES = sorted(["Amina Yusuf", "Mohammed Abdi Hassan", "محمد عبدي حسن"])

pytestmark = pytest.mark.django_db(transaction=True)


def _read(case_id: Any, database_url: str, keys: dict[str, str]) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test", "DATABASE_URL": database_url, **keys}
    result = subprocess.run(  # noqa: S603  # our own interpreter and module
        [sys.executable, "-m", "tests.hardening.restored_reader", str(case_id)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _backup(tmp_path: Path) -> Path:
    call_command("backup", "--output", str(tmp_path / "backups"))
    (made,) = (tmp_path / "backups").iterdir()
    return made


def _assert_no_key_material(backup: Path, keys: dict[str, str]) -> None:
    for spec in keys.values():
        b64 = spec.partition(":")[2]
        raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        for path in backup.iterdir():
            content = path.read_bytes()
            assert b64.encode() not in content and raw not in content, path.name


def _check_restore(personas: Any, env_keys: dict[str, str], tmp_path: Path, target_url: str) -> None:
    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    backup = _backup(tmp_path)
    manifest = read_manifest(backup)
    assert manifest["vendor"] == connection.vendor
    assert manifest["keys_needed"]["kek"] == ["bk1"] and manifest["keys_needed"]["index"] == ["bi1"]
    assert "0001_initial" in manifest["migrations"]["cases"]
    _assert_no_key_material(backup, env_keys)

    call_command("restore", str(backup), "--database-url", target_url)
    with_keys = _read(case.id, target_url, env_keys)
    assert with_keys == {"reference": case.reference, "names": EXPECTED_NAMES, "place": "Kismayo"}

    other = {"TRACING_KEKS": f"other:{new_key_b64()}", "TRACING_INDEX_KEYS": f"otheridx:{new_key_b64()}"}
    without = _read(case.id, target_url, other)
    assert without == {"reference": case.reference, "error": "DecryptionFailed"}

    with pytest.raises(CommandError, match="fresh database|not empty"):
        call_command("restore", str(backup), "--database-url", target_url)  # never over existing data


def test_sqlite_backup_restores_into_a_fresh_file(
    personas: Any, env_keys: dict[str, str], tmp_path: Path, purge_audit: None
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup runs in the SQLite suite")
    target = tmp_path / "restored" / "tracing.sqlite3"
    _check_restore(personas, env_keys, tmp_path, f"sqlite:///{target}")


def test_a_tampered_backup_is_refused(personas: Any, tmp_path: Path, purge_audit: None) -> None:
    backup = _backup(tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    data = backup / manifest["file"]
    data.write_bytes(data.read_bytes() + b"x")
    with pytest.raises(BackupError, match="checksum"):
        restore_backup(backup, "sqlite:///" + str(tmp_path / "never.sqlite3"))
    assert not (tmp_path / "never.sqlite3").exists()


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """An empty database next to the test database, dropped afterwards."""
    require_postgresql()
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    admin = {"host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432, "user": db.get("USER") or None,
             "password": db.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    yield f"postgres://{user}{password}@{admin['host']}:{admin['port']}/{name}"
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.services
def test_postgresql_backup_restores_into_a_fresh_database(
    personas: Any, env_keys: dict[str, str], tmp_path: Path, fresh_pg_database: str, purge_audit: None
) -> None:
    _check_restore(personas, env_keys, tmp_path, fresh_pg_database)
