"""A real Celery worker process on Redis, sharing the pytest test database (PostgreSQL).

The services tests run only when CELERY_BROKER_URL is set. Without it they skip with a
message, except with TRACING_REQUIRE_SERVICES=1 (CI), where a missing service is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tracing.celery import app

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
READY_TIMEOUT = 90


def _unavailable(reason: str) -> None:
    if os.environ.get("TRACING_REQUIRE_SERVICES") == "1":
        pytest.fail(f"services required (TRACING_REQUIRE_SERVICES=1) but {reason}", pytrace=False)
    pytest.skip(f"services tests skipped: {reason}")


def require_services() -> str:
    """The broker URL, after checking that PostgreSQL and the broker can be used."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker:
        _unavailable("CELERY_BROKER_URL is not set (see .ci/run for the PostgreSQL + Redis run)")
    if connection.vendor != "postgresql":
        _unavailable("a worker process shares the test database only on PostgreSQL (set DATABASE_URL)")
    try:
        with app.connection_for_write(broker) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # noqa: BLE001  # any failure means: no broker
        _unavailable(f"the broker at {broker} cannot be reached ({type(exc).__name__})")
    return broker


def database_url() -> str:
    """The live test database (test_<name>, or test_<name>_gw0 under xdist) as a URL."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{quote(db['NAME'])}"


@dataclass
class Worker:
    process: subprocess.Popen
    node: str
    log: Path
    mail_dir: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def mail_files(self) -> list[str]:
        return [p.read_text(errors="replace") for p in sorted(self.mail_dir.glob("*.log"))]


@pytest.fixture
def worker(transactional_db: Any, tmp_path: Path) -> Iterator[Worker]:
    """Start `celery -A tracing worker --pool=solo -Q <default queue>` on the test database."""
    broker = require_services()
    from tracing.crypto.keys import provider

    provider().kek_ring()  # the embedded default's key file exists before the worker reads it
    node = f"services-{uuid.uuid4().hex[:8]}@%h"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DB_CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen(  # noqa: S603  # our own celery executable
            [str(CELERY), "-A", "tracing", "worker", "--pool=solo", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
             "-n", node, "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    running = Worker(process=process, node=node.replace("%h", os.uname().nodename), log=log, mail_dir=mail_dir)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in running.log_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{running.log_text()[-3000:]}", pytrace=False)
            time.sleep(0.3)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        from tests.audit.dbtools import purge_audit_tables

        purge_audit_tables()  # the flush after a transactional test refuses a non-empty audit log


@pytest.fixture
def through_broker(settings: Any) -> Iterator[None]:
    """Tasks go to the broker (as in production) instead of running in the test process."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.task_always_eager = before


def wait_for(predicate: Any, timeout: float = 60, what: str = "condition", worker: Worker | None = None,
             fail: bool = True) -> bool:
    """Poll until `predicate()`; on timeout fail the test (or, with fail=False, return False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            if not fail:
                return False
            detail = f"\nworker log:\n{worker.log_text()[-3000:]}" if worker else ""
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}{detail}", pytrace=False)
        time.sleep(0.3)
    return True
