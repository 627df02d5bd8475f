"""One candidate query of the database-backed matching (blind-index lookup + decrypt + score)
against growing numbers of stored persons in PostgreSQL.

    .venv/bin/python benchmarks/matching_db.py --sizes 10000,100000            # fresh database
    .venv/bin/python benchmarks/matching_db.py --sizes 10000,100000,1000000 --reuse

Creates the database `tracing_bench_match` on 127.0.0.1:5432 (user postgres), migrates,
creates the demo offices and logins (`seed_demo`), then loads persons up to each size with
the bulk action `cases_bulk_create` (encrypted under per-person keys, blind-index terms from
`person_index_terms`, exactly as case_open stores them). Records come from the evaluation
generator (matching.evaluation: five origins, native scripts, variants, typos, siblings, 1-4
records per person), two per case (enquirer and sought person). At each size it times
`matching.candidates.find_candidates` for --queries random stored persons: median and p95,
and the split into lookup, decryption and scoring, and, when benchmarks/matching_load.py loaded
the persons (much faster: COPY), recall at `possible` against the generator's truth. Prints JSON.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# MATCH_BENCH_DB: another database (e.g. one per size, so sizes can be measured side by side).
DATABASE = os.environ.get("MATCH_BENCH_DB", "tracing_bench_match")
KEY_FILE = ROOT / "var" / "bench-match-keys.json"
ENTITIES_PER_CHUNK = 2000
# Recall is also counted within each query's best proposals by score (what a reviewer sees first).
TOP_PROPOSALS = 10


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def bench_env() -> dict[str, str]:
    """Keys kept in var/ so that --reuse can read what an earlier run stored."""
    KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not KEY_FILE.exists():
        KEY_FILE.write_text(
            json.dumps(
                {
                    "TRACING_KEKS": f"bench1:{_key()}",
                    "TRACING_INDEX_KEYS": f"ibench1:{_key()}",
                    "TRACING_AUDIT_SIGNING_KEY": _key(),
                }
            )
        )
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env.update(json.loads(KEY_FILE.read_text()))
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "DJANGO_SETTINGS_MODULE": "settings.base",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    return env


def create_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


# --- data ----------------------------------------------------------------------------------


def _person(record: Any) -> dict[str, Any]:
    from cases.partial_dates import PartialDate
    from matching.keys import normalise_phone

    given, family = record.given_names or "", record.family_name or ""
    data: dict[str, Any] = {
        "names": [
            {"given_names": given or family or "Unknown", "family_name": family if given else "", "kind": "primary"}
        ]
    }
    if record.sex in ("m", "f"):
        data["sex"] = "male" if record.sex == "m" else "female"
    if record.birth_date:
        try:
            data["birth_date"] = PartialDate.parse(record.birth_date)
        except ValueError:
            pass
    phone = normalise_phone(record.phone) if record.phone else None
    if phone:
        data["phone"] = phone
    for name in ("birth_place", "father_name", "mother_name"):
        if getattr(record, name):
            data[name] = getattr(record, name)
    if record.last_known_place:
        data["places"] = [{"place": record.last_known_place}]
    return data


def items(seed: int, count: int) -> Iterator[dict[str, Any]]:
    """`count` cases, two generated records each (enquirer, sought person)."""
    from matching.evaluation import generate

    made, chunk = 0, 0
    while made < count:
        records = generate(ENTITIES_PER_CHUNK, seed * 1000 + chunk).records
        chunk += 1
        for i in range(0, len(records) - 1, 2):
            if made == count:
                return
            sought = _person(records[i + 1])
            sought["relationship"] = "sibling"
            yield {"enquirer": _person(records[i]), "sought": [sought], "separation_cause": "conflict"}
            made += 1


def _load_part(seed: int, count: int) -> int:
    from django.contrib.auth import get_user_model

    from cases.actions.bulk import cases_bulk_create

    # Offices alternate by part, so candidates come from several offices as in the network.
    username = "nl-caseworker" if seed % 2 == 0 else "ke-caseworker"
    user = get_user_model().objects.get(username=username)
    return cases_bulk_create(acting_user=user, items=items(seed, count), batch_size=500).count


def load_to(persons: int, workers: int) -> float:
    from django.db import connection, connections

    from cases.models import Person

    have = Person.objects.count()
    cases = max(0, (persons - have) // 2)
    if not cases:
        return 0.0
    started = time.perf_counter()
    connections.close_all()  # forked children open their own connections
    shares = [cases // workers + (1 if i < cases % workers else 0) for i in range(workers)]
    base = have // 1000 + 1  # new seeds at every size: no repeated data
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.starmap(_load_part, [(base * 10 + i, n) for i, n in enumerate(shares)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_personsearchterm")
        cursor.execute("VACUUM ANALYZE cases_person")
    return time.perf_counter() - started


# --- measurement ---------------------------------------------------------------------------


def _truth() -> dict[str, str]:
    """person id -> generator entity id, as benchmarks/matching_load.py recorded it (or empty)."""
    path = ROOT / "var" / "bench-match-truth" / f"{DATABASE}.tsv"
    if not path.exists():
        return {}
    with path.open() as lines:
        return dict(line.rstrip("\n").split("\t") for line in lines)


def measure(queries: int, seed: int, limit: int | None = None, warm: int = 0) -> dict[str, Any]:
    from cases.models import Person, PersonSearchTerm
    from matching.candidates import CANDIDATE_LIMIT, find_candidates
    from matching.records_db import persons_for_records

    total = Person.objects.count()
    rng = random.Random(seed)
    truth = _truth()
    if truth:  # sample persons with a known entity, so recall can be counted
        ids = sorted(truth)
    else:
        ids = list(Person.objects.order_by("pk").values_list("pk", flat=True)[: min(total, 200_000)])
    sample = rng.sample(ids, min(queries, len(ids)))
    by_entity: dict[str, list[str]] = {}
    for pid, entity in truth.items():
        by_entity.setdefault(entity, []).append(pid)
    case_of = dict(Person.objects.filter(pk__in=[p for s in sample for p in by_entity.get(truth.get(str(s)), [])])
                   .values_list("pk", "case_id")) if truth else {}
    true_pairs = found_pairs = found_top = 0
    find_candidates(next(iter(persons_for_records(Person.objects.filter(pk=sample[0])))))  # warm caches
    # A long-running worker or web process has its caches warm (frequent terms, lexicon):
    # --warm queries of other persons first, not timed.
    others = [pid for pid in rng.sample(ids, min(len(ids), warm + len(sample))) if pid not in set(sample)][:warm]
    for person in persons_for_records(Person.objects.filter(pk__in=others)):
        find_candidates(person, limit=limit or CANDIDATE_LIMIT)
    wall, cpu, lookup, decrypt, score, cands, proposals, dropped = [], [], [], [], [], [], [], []
    for person in persons_for_records(Person.objects.filter(pk__in=sample)):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = find_candidates(person, limit=limit or CANDIDATE_LIMIT)
        wall.append((time.perf_counter() - started) * 1000)
        # This process's CPU time: leaves out waiting for a busy machine's CPU and the server's work.
        cpu.append((time.process_time() - started_cpu) * 1000)
        lookup.append(result.timing.lookup_ms)
        decrypt.append(result.timing.decrypt_ms)
        score.append(result.timing.score_ms)
        cands.append(result.timing.candidates)
        proposals.append(len(result.scored))
        dropped.append(result.timing.dropped_frequent)
        if truth:  # the same entity's records in other cases, and how many reached `possible`
            partners = {p for p in by_entity[truth[str(person.pk)]]
                        if p != str(person.pk) and case_of.get(uuid.UUID(p)) != person.case_id}
            true_pairs += len(partners)
            found_pairs += len(partners & {c.person_id for c in result.scored})
            best = sorted(result.scored, key=lambda c: -c.scored.score)[:TOP_PROPOSALS]
            found_top += len(partners & {c.person_id for c in best})

    def stat(values: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(values), 1), "p95": round(percentile(values, 95), 1)}

    return {
        "persons": total,
        "candidate_limit": limit or CANDIDATE_LIMIT,
        "search_terms": PersonSearchTerm.objects.count(),
        "queries": len(wall),
        "query_ms": stat(wall), "query_cpu_ms": stat(cpu),
        "lookup_ms": stat(lookup),
        "decrypt_ms": stat(decrypt),
        "score_ms": stat(score),
        "candidates": stat(cands),
        "proposals_per_query": round(statistics.fmean(proposals), 2),
        "frequent_terms_dropped": round(statistics.fmean(dropped), 2),
        "true_pairs": true_pairs,
        "recall_at_possible": round(found_pairs / true_pairs, 4) if true_pairs else None,
        f"recall_in_best_{TOP_PROPOSALS}_by_score": round(found_top / true_pairs, 4) if true_pairs else None,
        "warm_queries": len(others),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="Person counts to measure at, ascending.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="Keep the loaded database and add to it.")
    parser.add_argument("--warm", type=int, default=0,
                        help="Untimed queries of other persons first, as a long-running process has had.")
    parser.add_argument("--limit", type=int, default=None,
                        help="Candidates decrypted per query (default: matching.candidates.CANDIDATE_LIMIT).")
    args = parser.parse_args()
    env = bench_env()
    if not args.reuse:
        create_database()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
    os.environ.update(env)
    import django

    django.setup()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        load_s = load_to(size, args.workers)
        row = measure(args.queries, seed=size, limit=args.limit, warm=args.warm)
        row["load_s"] = round(load_s, 1)
        results.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps({"cpus": os.cpu_count(), "load_average": os.getloadavg(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
