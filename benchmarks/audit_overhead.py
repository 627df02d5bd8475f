"""What auditing costs on the case detail page and on a case edit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/audit_overhead.py
    .venv/bin/python benchmarks/audit_overhead.py            # SQLite in a temporary directory

With a PostgreSQL DATABASE_URL it creates (and afterwards drops) the database
`tracing_bench_audit_overhead` next to the one named; otherwise a temporary SQLite file. It
migrates, opens CASES sample cases in one office, then measures, alternating blocks so that
machine load hits both sides alike:

- read: GET /cases/<id>/ (case_detail + rendering, through the test client as the owning
  caseworker) with the read logged (`log_access`: one hash-chained event under the chain-head
  lock) versus the same with `log_access` replaced by a no-op;
- write: `case_update` (one field) with the history row and the `case.updated` event versus
  with SIMPLE_HISTORY_ENABLED=False and `record_event` replaced by a no-op.

Prints JSON: medians and p90 in ms, and the overhead as a share of the audited time
(target: under 15 % of the page time).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "tracing_bench_audit_overhead"
CASES = int(os.environ.get("AUDIT_BENCH_CASES", "20"))
ROUNDS = int(os.environ.get("AUDIT_BENCH_ROUNDS", "15"))
BLOCK = 10


def _database_url() -> tuple[str, Callable[[], None]]:
    """The benchmark's own database and a function that removes it."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(given)
        admin = urlunsplit(parts._replace(scheme="postgresql"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

        return urlunsplit(parts._replace(path=f"/{BENCH_DB}")), drop
    folder = tempfile.TemporaryDirectory()
    return f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered), 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 2), "n": len(ordered)}


def _alternate(run: Callable[[], Any], plain: Callable[[], AbstractContextManager[Any]]) -> dict[str, Any]:
    """Time `run` in blocks, audited and with auditing switched off by `plain()`, alternately."""
    audited: list[float] = []
    unaudited: list[float] = []
    for _ in range(2):  # warm-up: caches, prepared plans, connections
        run()
    for _ in range(ROUNDS):
        for into, context in ((audited, nullcontext), (unaudited, plain)):
            with context():
                for _ in range(BLOCK):
                    started = time.perf_counter()
                    run()
                    into.append((time.perf_counter() - started) * 1000)
    a, u = _stats(audited), _stats(unaudited)
    share = (a["median_ms"] - u["median_ms"]) / a["median_ms"] * 100 if a["median_ms"] else 0.0
    return {"audited": a, "unaudited": u, "overhead_ms": round(a["median_ms"] - u["median_ms"], 2),
            "overhead_percent": round(share, 1)}


def main() -> None:
    url, cleanup = _database_url()
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks inline
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    try:
        call_command("migrate", verbosity=0)
        from cases.actions import case_open, case_update
        from tests.factories import OfficeFactory, sample_case_data, staff
        from tracing.models import Role

        office = OfficeFactory(code="NL", name="Netherlands office", country="NL")
        caseworker = staff("bench-cw", office, Role.CASEWORKER)
        cases = [case_open(acting_user=caseworker, **sample_case_data()) for _ in range(CASES)]
        case = cases[len(cases) // 2]
        client = Client()
        client.force_login(caseworker)
        page = f"/cases/{case.id}/"

        def read() -> None:
            response = client.get(page)
            if response.status_code != 200:
                raise RuntimeError(f"{page} answered {response.status_code}")

        def no_read_log() -> AbstractContextManager[Any]:
            return mock.patch("cases.selectors.log_access", lambda **kwargs: None)

        places = iter(["Kismayo port", "Jilib town"] * (ROUNDS * BLOCK * 2 + 10))

        def write() -> None:
            case_update(acting_user=caseworker, case_id=case.id, expected_version=None, separation_place=next(places))

        class NoHistory:
            def __enter__(self) -> None:
                self.patches = [override_settings(SIMPLE_HISTORY_ENABLED=False),
                                mock.patch("cases.actions.case.record_event", lambda **kwargs: None)]
                for p in self.patches:
                    p.__enter__()

            def __exit__(self, *exc: Any) -> None:
                for p in reversed(self.patches):
                    p.__exit__(*exc)

        from django.db import connection

        result = {
            "database": connection.vendor,
            "cases": CASES,
            "case_detail_page": _alternate(read, no_read_log),
            "case_update": _alternate(write, NoHistory),
            "target": "read overhead under 15 % of the page time",
        }
        result["within_target"] = result["case_detail_page"]["overhead_percent"] < 15
        print(json.dumps(result, indent=2))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
