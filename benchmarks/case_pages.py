"""Case list and case detail server time with 100,000 cases on PostgreSQL.

    .venv/bin/python benchmarks/case_pages.py                 # fresh database, load, measure
    .venv/bin/python benchmarks/case_pages.py --reuse         # measure again on the loaded database

Creates the database `tracing_bench_pages` on 127.0.0.1:5432 (user postgres), migrates, loads
N synthetic cases into the NL office with `seed_demo --cases N` (the bulk action), then drives
the real pages with Django's test Client logged in as nl-caseworker (who sees the whole
office): GET /cases/ (50 rows), GET /cases/<id>/ and GET /api/v1/cases/ (50 rows), N requests
each. Prints JSON: median and p95 server time, and the queries per page for 50 rows and for 5
rows (which must be equal).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY_FILE = ROOT / "var" / "bench-pages-keys.json"


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def bench_env(database: str) -> dict[str, str]:
    """Keys from the environment, as in production (kept in var/ so --reuse can read the data)."""
    KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not KEY_FILE.exists():
        KEY_FILE.write_text(json.dumps({"TRACING_KEKS": f"bench1:{_key()}", "TRACING_INDEX_KEYS": f"ibench1:{_key()}",
                                        "TRACING_AUDIT_SIGNING_KEY": _key()}))
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(json.loads(KEY_FILE.read_text()))
    env.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    return env


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def vacuum_analyze(name: str) -> None:
    """Statistics and the visibility map after the bulk load, as autovacuum would leave them.

    Measured straight after the load, the planner still believes the table is tiny and
    sorts all 100,000 cases for the first page (1.1 s) instead of walking `case_list_order`.
    """
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(client: Any, url: str, n: int, into: tuple[list[float], list[float]] | None = None) -> tuple[list, list]:
    """Wall time and this process's CPU time of each request, in ms.

    The CPU time leaves out waiting for the CPU on a busy machine and the database server's
    own work, so the pair tells how much of a slow figure is contention."""
    wall, cpu = into or ([], [])
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def summary(times: tuple[list[float], list[float]]) -> dict[str, float]:
    wall, cpu = times
    return {"median_ms": round(statistics.median(wall), 1), "p95_ms": round(percentile(wall, 95), 1),
            "mean_ms": round(statistics.fmean(wall), 1), "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 95), 1), "n": len(wall)}


def measure(requests: int) -> dict[str, Any]:
    import django

    django.setup()
    # No setup_test_environment(): its instrumented template rendering (a signal and a copy of
    # the context for every template and include) is not what a served page costs. Rows are
    # counted in the HTML instead.
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases import selectors
    from cases.actions import case_transition
    from cases.models import Case
    from cases.selectors import case_list

    user = get_user_model().objects.get(username="nl-caseworker")
    # A page with 5 rows: five cases moved on through the real action.
    reviewing = Case.objects.filter(office__code="NL", state="eligibility_review").count()
    for case in Case.objects.filter(office__code="NL", state="received").order_by("reference")[: max(0, 5 - reviewing)]:
        case_transition(acting_user=user, case_id=case.id, transition="start_review")
    client = Client()
    client.force_login(user)
    total = Case.objects.filter(office__code="NL").count()

    def rows(url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return response.content.decode().count("<tr>") - 1, len(ctx.captured_queries)  # less the header row

    # Warm-up first: connections, templates, key caches, and the first request after sign-in,
    # which restarts the session's idle timeout (a save the following minute's requests skip).
    timed(client, "/cases/", 10)
    rows50, queries50 = rows("/cases/")
    rows5, queries5 = rows("/cases/?state=eligibility_review")
    list_times = timed(client, "/cases/", requests)
    ids = list(Case.objects.filter(office__code="NL").values_list("id", flat=True))
    sample = random.Random(1).sample(ids, min(requests, len(ids)))
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/cases/{sample[0]}/")
    detail_queries = len(ctx.captured_queries)
    detail_times: tuple[list[float], list[float]] = ([], [])
    for case_id in sample:
        timed(client, f"/cases/{case_id}/", 1, into=detail_times)

    # The API's case list (50 rows): the same selector, serializers instead of templates.
    timed(client, "/api/v1/cases/", 10)
    with CaptureQueriesContext(connection) as ctx:
        api_body = client.get("/api/v1/cases/").json()
    api_queries = len(ctx.captured_queries)
    api_times = timed(client, "/api/v1/cases/", requests)

    # The plan of the list's main query, for the record.
    qs = case_list(user=user)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql} LIMIT 50", params)
        plan = [row[0] for row in cursor.fetchall()]
        # As CappedPaginator counts: at most COUNT_CAP + 1 rows (an older checkout: all rows).
        cap = getattr(selectors, "COUNT_CAP", None)
        counted = qs.order_by().values("pk")
        count_sql, count_params = (counted[: cap + 1] if cap else counted).query.sql_with_params()
        cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({count_sql}) sub", count_params)
        count_plan = [row[0] for row in cursor.fetchall()]
    return {
        "cases_in_office": total,
        "case_list": {**summary(list_times), "rows": rows50, "queries": queries50,
                      "queries_with_5_rows": queries5, "rows_small_page": rows5},
        "case_detail": {**summary(detail_times), "queries": detail_queries, "distinct_cases": len(sample)},
        "api_case_list": {**summary(api_times), "queries": api_queries, "rows": len(api_body["results"]),
                          "count": api_body["count"], "count_capped": api_body.get("count_capped")},
        "list_query_plan": plan,
        "count_query_plan": count_plan,
        "load_avg_at_end": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default="tracing_bench_pages")
    parser.add_argument("--reuse", action="store_true", help="measure the already loaded database")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    env = bench_env(args.database)
    if args.measure_only:
        result = measure(args.requests)
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    load_seconds = load_cpu = None
    if not args.reuse:
        create_database(args.database)
        manage(env, "migrate", "--noinput", "-v0")
        started = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        manage(env, "seed_demo", "--cases", str(args.cases))
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_seconds = round(time.perf_counter() - started, 1)
        # CPU seconds of seed_demo and its worker processes (not the database server's).
        load_cpu = round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1)
        print(f"loaded {args.cases:,} cases in {load_seconds} s ({load_cpu} s CPU in Python)", flush=True)
        vacuum_analyze(args.database)
    # Measure in a fresh process with the benchmark's environment (settings are read once).
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--measure-only", "--requests", str(args.requests), "--database", args.database],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out[out.index("{"):])
    result["load_seconds"] = load_seconds
    result["load_cpu_seconds"] = load_cpu
    result["load_avg"] = os.getloadavg()
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
