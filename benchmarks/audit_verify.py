"""Benchmark: verify_chain() over a million audit events on a fresh PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/audit_verify.py

DATABASE_URL names the server (its database is only used to create and drop a new one,
audit_bench_<pid>). AUDIT_BENCH_EVENTS changes the count. Prints one JSON object.
AUDIT_BENCH_KEEP=1 keeps the database; AUDIT_BENCH_REUSE=<name> only times verification on
a kept one (the insert takes minutes on a busy machine; verification is what is measured).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
EVENTS = int(os.environ.get("AUDIT_BENCH_EVENTS", "1000000"))
CHECKPOINT_EVERY = 100_000
TYPES = ["case.transition", "access.view", "access.search", "person.updated", "request.sent"]


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def event_rows(count: int, offices: list[int]) -> Any:
    """Realistic rows with a correct chain, yielded as COPY tuples."""
    from audit.chain import GENESIS_HASH, event_hash

    rnd = random.Random(42)  # noqa: S311 - benchmark data
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        kind = TYPES[seq % len(TYPES)]
        office = rnd.choice(offices)
        columns = {
            "seq": seq,
            "occurred_at": start + dt.timedelta(milliseconds=37 * seq),
            "event_type": kind,
            "actor_id": rnd.randint(1, 400),
            "actor_username": f"staff{rnd.randint(1, 400)}",
            "actor_office_id": office,
            "office_id": rnd.choice(offices),
            "case_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
            "person_ids": [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(seq % 3)],
            "data": {"from": "open", "to": "searching", "version": seq % 50}
            if kind == "case.transition"
            else {"kind": kind.split(".")[-1], "purpose": "assigned_work", "case_ids": []},
            "prev_hash": prev,
        }
        prev = event_hash(**columns)
        yield (
            *[columns[c] for c in ("seq", "occurred_at", "event_type", "actor_id", "actor_username",
                                   "actor_office_id", "office_id", "case_id")],
            json.dumps(columns["person_ids"]),
            json.dumps(columns["data"]),
            columns["prev_hash"],
            prev,
        )


def time_verification() -> dict[str, Any]:
    from django.db import connection

    from audit.verify import verify_chain

    cpu_started = time.process_time()
    result = verify_chain()
    verify_cpu = time.process_time() - cpu_started
    connection.close()  # the parallel run forks; it must not share this connection
    parallel = verify_chain(workers=2)
    return {
        "events": result.events,
        "checkpoints": result.checkpoints,
        "verify_ok": result.ok,
        "verify_seconds": result.seconds,
        "verify_events_per_second": round(result.events / result.seconds),
        "verify_python_cpu_seconds": round(verify_cpu, 1),
        "verify_workers_2_ok": parallel.ok,
        "verify_workers_2_seconds": parallel.seconds,
        "load_average_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }


def insert(count: int) -> float:
    """Migrate, then COPY `count` chained events and a checkpoint every 100,000; seconds."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from audit.checkpoints import sign_checkpoint
    from audit.models import ChainHead
    from tracing.models import Office

    call_command("migrate", "audit", verbosity=0)
    offices = [Office.objects.create(code=c, name=c, country=c).pk for c in ("NL", "KE", "FR")]
    started = time.monotonic()
    columns = ("seq, occurred_at, event_type, actor_id, actor_username, actor_office_id, office_id, "
               "case_id, person_ids, data, prev_hash, hash")
    last: tuple[Any, ...] = ()
    checkpoints = []
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            for last in event_rows(count, offices):
                copy.write_row(last)
                if last[0] % CHECKPOINT_EVERY == 0:
                    checkpoints.append(sign_checkpoint(last[0], last[-1]))
        for checkpoint in checkpoints:
            checkpoint.save()
        head = ChainHead.objects.get()
        head.seq, head.hash = last[0], last[-1]
        head.save()
    inserted = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return inserted


def time_appends(count: int = 500) -> float:
    """record_event calls a second, each in its own committed transaction."""
    from django.db import transaction

    from audit.events import record_event

    started = time.monotonic()
    for i in range(count):
        with transaction.atomic():
            record_event(event_type="request.sent", actor=None, data={"n": i})
    return count / (time.monotonic() - started)


def main() -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if reuse := os.environ.get("AUDIT_BENCH_REUSE"):
        setup_django(with_database(base, reuse))
        print(json.dumps({"database": "postgresql", "reused": reuse, **time_verification()}))
        return
    name = f"audit_bench_{os.getpid()}"
    keep = os.environ.get("AUDIT_BENCH_KEEP") == "1"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        setup_django(with_database(base, name))
        inserted = insert(EVENTS)
        summary = time_verification()
        appends = time_appends()
        from django.db import connections

        connections.close_all()
        print(json.dumps({
            "database": "postgresql", **summary,
            "insert_seconds_generate_hash_and_copy": round(inserted, 1),
            "record_event_per_second_sequential": round(appends),
            "kept": name if keep else None,
        }))
    finally:
        if not keep:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
