"""Timing of the dashboards on PostgreSQL with many cases; prints its figures as JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracing_h5 \\
        .venv/bin/python benchmarks/reports_dashboards.py --cases 100000 --runs 5

Seeds once (when the database has fewer cases than asked): five offices, one real case opened
through the action (for its data key), then the rest inserted with one SQL statement, with
states, causes and dates spread over three years and no personal data (encrypted columns
empty: the dashboards read none). Then times `dashboard()` for the network view and for one
office (a supervisor, about a fifth of the cases), each as the median of `--runs`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# Run as a script from anywhere: the repository root (apps, settings, tests.factories) first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED_SQL = """
WITH s AS (
    SELECT g, now() - (g %% 1095) * interval '1 day' AS ts,
           (ARRAY['received','eligibility_review','accepted','searching','located','consent_requested',
                  'consent_given','consent_refused','contact_shared','not_found','deceased','closed',
                  'closed','closed','closed','closed'])[1 + g %% 16] AS st
    FROM generate_series(1, %(n)s) g
)
INSERT INTO cases_case (id, reference, kind, state, priority, created_at, updated_at, last_activity_at, version,
    separation_cause, separation_place, separation_circumstances, state_reason_detail, languages,
    involves_minor, vulnerable, eligibility, state_reason, closed_at, accepted_at, located_at,
    created_by_id, data_key_id, office_id)
SELECT gen_random_uuid(), 'BENCH-' || g, 'tracing', st, 3, ts, ts, ts, 1,
    (ARRAY['conflict','disaster','migration','detention','family_breakdown','other'])[1 + g %% 6], '', '', '',
    '[]'::jsonb, false, false, '{}'::jsonb,
    CASE WHEN st = 'closed' THEN (ARRAY['reunited','not_found','deceased','withdrawn','contact_refused'])[1 + g %% 5]
         ELSE '' END,
    CASE WHEN st = 'closed' THEN ts + (30 + g %% 300) * interval '1 day' END,
    CASE WHEN st NOT IN ('received','eligibility_review') THEN ts + (g %% 10) * interval '1 day' END,
    CASE WHEN st IN ('located','consent_requested','consent_given','consent_refused','contact_shared','closed')
         THEN ts + (10 + g %% 20) * interval '1 day' END,
    %(user)s, %(key)s, (%(offices)s::bigint[])[1 + g %% 5]
FROM s
"""


def seed(n: int) -> object:
    from django.db import connection

    from cases.actions import case_open
    from cases.models import Case
    from tests.factories import OfficeFactory, sample_case_data, staff
    from tracing.models import Role

    offices = [OfficeFactory(code=code, name=f"Bench {code}", country=code) for code in ("NL", "KE", "FR", "UG", "JO")]
    supervisor = staff("bench_sup", offices[0], Role.SUPERVISOR)
    have = Case.objects.count()
    if have < n:
        first = case_open(acting_user=supervisor, **sample_case_data())
        with connection.cursor() as cursor:
            cursor.execute(SEED_SQL, {"n": n - have - 1, "user": supervisor.pk, "key": str(first.data_key_id),
                                      "offices": [o.pk for o in offices]})
            cursor.execute("ANALYZE cases_case")
    return supervisor


def timed(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the reports dashboards on PostgreSQL with many cases.")
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
    import django

    django.setup()
    from cases.models import Case
    from reports import selectors

    user = seed(args.cases)
    network = selectors.network_scope(user)
    office = selectors.office_scope(user)
    print(json.dumps({
        "cases": Case.objects.count(),
        "network_dashboard_ms": timed(lambda: selectors.dashboard(user, network), args.runs),
        "office_dashboard_ms": timed(lambda: selectors.dashboard(user, office), args.runs),
        "load_average": os.getloadavg(),
    }))


if __name__ == "__main__":
    main()
