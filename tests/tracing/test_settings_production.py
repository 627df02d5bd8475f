"""Production settings refuse development defaults, and pass `check --deploy` when configured.

Each case starts a fresh interpreter with a controlled environment: settings are read once
per process, so this is the only honest way to test what a deployment would see.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; print('started', settings.DEBUG)"


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "TRACING_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "TRACING_KEKS": f"k2026:{_key()}",
        "TRACING_INDEX_KEYS": f"i2026:{_key()}",
        "TRACING_AUDIT_SIGNING_KEY": _key(),
        "ALLOWED_HOSTS": "tracing.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None and v != "<unset>"}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_complete_production_environment_starts(tmp_path: Path) -> None:
    result = run(["-c", SETUP], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "started False" in result.stdout  # DEBUG is off in production unless asked for


def test_production_refuses_every_missing_or_default_setting(tmp_path: Path) -> None:
    env = production_env(tmp_path, SECRET_KEY="<unset>", TRACING_KEKS="<unset>", TRACING_INDEX_KEYS="<unset>",
                         TRACING_AUDIT_SIGNING_KEY="<unset>", ALLOWED_HOSTS="<unset>")
    result = run(["-c", SETUP], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Refusing to start in production" in result.stderr
    for problem in ("SECRET_KEY is the development default", "TRACING_KEKS is not set",
                    "TRACING_INDEX_KEYS is not set", "TRACING_AUDIT_SIGNING_KEY is not set", "ALLOWED_HOSTS is empty"):
        assert problem in result.stderr
    assert "started" not in result.stdout


@pytest.mark.parametrize("name", ["TRACING_KEKS", "TRACING_INDEX_KEYS", "TRACING_AUDIT_SIGNING_KEY"])
def test_production_refuses_one_missing_key(tmp_path: Path, name: str) -> None:
    result = run(["-c", SETUP], production_env(tmp_path, **{name: "<unset>"}))
    assert result.returncode != 0
    assert f"{name} is not set" in result.stderr
    assert "SECRET_KEY" not in result.stderr.split("Refusing to start in production")[-1]


def test_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from settings.base import DEV_SECRET_KEY

    result = run(["-c", SETUP], production_env(tmp_path, SECRET_KEY=DEV_SECRET_KEY))
    assert result.returncode != 0 and "SECRET_KEY is the development default or too short" in result.stderr
    short = run(["-c", SETUP], production_env(tmp_path, SECRET_KEY="short-but-not-default"))
    assert short.returncode != 0 and "SECRET_KEY is the development default or too short" in short.stderr


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(64) + "\n")
    keks_file = tmp_path / "keks"
    keks_file.write_text(f"k2026:{_key()}\n")
    env = production_env(tmp_path, SECRET_KEY="<unset>", TRACING_KEKS="<unset>",
                         SECRET_KEY_FILE=str(secret_file), TRACING_KEKS_FILE=str(keks_file))
    probe = SETUP + "; print('kek', settings.TRACING_KEKS.split(':')[0], len(settings.SECRET_KEY))"
    result = run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert "kek k2026 86" in result.stdout  # 64 random bytes as urlsafe base64, newline stripped


def test_a_malformed_boolean_is_refused(tmp_path: Path) -> None:
    result = run(["-c", SETUP], production_env(tmp_path, SECURE_SSL_REDIRECT="maybe"))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be a boolean" in result.stderr


def test_check_deploy_is_clean_with_a_proper_environment(tmp_path: Path) -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_https_is_switched_off(tmp_path: Path) -> None:
    # Proves the clean result above is not vacuous: the deploy checks do run.
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W008" in output and "security.W012" in output


def test_beat_schedule_names_registered_tasks(tmp_path: Path) -> None:
    env = production_env(tmp_path, DJANGO_ENV="development")
    probe = (
        "import django; django.setup(); from tracing.celery import app; app.loader.import_default_modules(); "
        "s = app.conf.beat_schedule; "
        "print(sorted((k, s[k]['task'], s[k]['schedule'].total_seconds(), s[k]['task'] in app.tasks) "
        "for k in ('outbox_flush', 'audit_checkpoint'))); "
        "print('nightly', s['match_all_nightly']['task'] in app.tasks, s['match_all_nightly']['schedule'].hour)"
    )
    result = run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert ("[('audit_checkpoint', 'audit.tasks.audit_write_checkpoint', 600.0, True), "
            "('outbox_flush', 'tracing.tasks.outbox_flush', 60.0, True)]") in result.stdout
    assert "nightly True {2}" in result.stdout
