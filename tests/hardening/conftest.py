"""Helpers of the hardening tests: service requirements and explicit keys from the environment."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.services.conftest import CELERY, READY_TIMEOUT, ROOT, Worker, database_url
from tracing.crypto.keys import new_key_b64


def unavailable(reason: str) -> None:
    """Skip, except in the services run (TRACING_REQUIRE_SERVICES=1), where it is a failure."""
    if os.environ.get("TRACING_REQUIRE_SERVICES") == "1":
        pytest.fail(f"services required (TRACING_REQUIRE_SERVICES=1) but {reason}", pytrace=False)
    pytest.skip(f"skipped: {reason}")


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def env_keys(settings: Any) -> Iterator[dict[str, str]]:
    """Fresh KEKs and index keys, configured as the environment would (not the dev key file)."""
    keys = {"TRACING_KEKS": f"bk1:{new_key_b64()}", "TRACING_INDEX_KEYS": f"bi1:{new_key_b64()}"}
    for name, value in keys.items():
        setattr(settings, name, value)  # setting_changed drops the cached key provider
    yield keys


@pytest.fixture
def purge_audit() -> Iterator[None]:
    """Transactional tests: empty the append-only audit tables before Django's flush."""
    yield
    from tests.audit.dbtools import purge_audit_tables

    purge_audit_tables()


# --- a private broker and real workers (the broker-stop and worker-kill tests) -------------

REDIS_PORTS = range(6390, 6400)


class PrivateRedis:
    """A redis-server of this test only, on a spare port of 6390-6399, stopped and restarted at will."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  # Debian's redis-server, no persistence
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}", pytrace=False)
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # an outage, not a shutdown: nothing is saved
            self.process.wait(timeout=10)
        self.process = None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


def _free_port() -> int:
    for port in REDIS_PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 6390-6399 for a private redis-server", pytrace=False)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if connection.vendor != "postgresql":
        unavailable("a worker process shares the test database only on PostgreSQL (set DATABASE_URL)")
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = PrivateRedis(_free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """This process sends tasks to `url` (not eagerly), with short publish retries."""
    from tracing.celery import app

    # broker_url itself does not move once the Django settings set it; the write URL does.
    saved = {k: app.conf[k] for k in ("broker_write_url", "task_always_eager", "task_publish_retry_policy")}

    def reset_pools() -> None:
        # kombu keeps connection pools in a process-wide registry keyed by broker URL: closing
        # the app's pool alone leaves that closed pool registered, and the next test in this
        # process that sends a task gets "Acquire on closed pool". reset() closes and forgets all.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.broker_write_url = url
    app.conf.task_always_eager = False
    app.conf.task_publish_retry_policy = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1,
                                          "interval_max": 0.2}
    try:
        yield
    finally:
        reset_pools()
        for key, value in saved.items():
            app.conf[key] = value


def start_worker(broker: str, tmp_path: Path, *, app: str = "tracing", name: str = "w") -> Worker:
    """A real `celery worker --pool=solo` on the test database and the given broker."""
    from tracing.crypto.keys import provider

    provider().kek_ring()  # the embedded default's key file exists before the worker reads it
    node = f"hardening-{name}-{uuid.uuid4().hex[:6]}@%h"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir(exist_ok=True)
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "settings.base", "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker, "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir), "DB_CONN_MAX_AGE": "0",
    }
    log = tmp_path / f"worker-{name}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(  # noqa: S603  # our own celery executable
            [str(CELERY), "-A", app, "worker", "--pool=solo", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", node,
             "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    worker = Worker(process=process, node=node.replace("%h", os.uname().nodename), log=log, mail_dir=mail_dir)
    deadline = time.monotonic() + READY_TIMEOUT
    while " ready." not in worker.log_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(worker)
            pytest.fail(f"the Celery worker did not start:\n{worker.log_text()[-3000:]}", pytrace=False)
        time.sleep(0.3)
    return worker


def stop_worker(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
