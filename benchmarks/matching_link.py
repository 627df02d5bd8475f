"""Linking N stored persons against everyone, with the product's Celery batch task and two workers.

    .venv/bin/python benchmarks/matching_link.py --persons 10000            # tracing_bench_match
    MATCH_BENCH_DB=tracing_bench_match_10k .venv/bin/python benchmarks/matching_link.py --persons 10000

Starts `celery -A tracing worker -c 1` --workers times on Redis db 9, or $MATCH_BENCH_REDIS
(own queue, results in the same db), empties the proposal tables, picks --persons random sought persons loaded by
benchmarks/matching_load.py, splits them into `matching.tasks.match_batch` tasks of --batch
ids in one group (as match_all_nightly does) and times the group from sending to the last
result. Each task runs `match_person_run`: candidate search, decryption, scoring, proposals
stored, audit event. Reports wall time, the workers' CPU seconds, proposals created, the
share of true pairs (generator truth) among the persons linked that became proposals, and
load averages. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
# MATCH_BENCH_REDIS: another Redis database, so two people's benchmarks do not share a broker.
REDIS = os.environ.get("MATCH_BENCH_REDIS", "redis://127.0.0.1:6379/9")
QUEUE = "bench-matching-link"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children (prefork pool), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    out = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        out += _tree(int(child))
    return out


def start_workers(env: dict[str, str], count: int, concurrency: int) -> list[subprocess.Popen]:
    workers = []
    for i in range(count):
        workers.append(subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "tracing", "worker", "-c", str(concurrency),
             "-n", f"bench-link-{i}@%h", "-Q", QUEUE, "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(f"/tmp/bench-link-worker-{i}.log", "w"),  # noqa: SIM115
        ))  # fmt: skip
    return workers


def main() -> None:
    import matching_db

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="Person ids per match_batch task.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    env = matching_db.bench_env()
    env.update({"CELERY_BROKER_URL": REDIS, "CELERY_RESULT_BACKEND": REDIS, "CELERY_TASK_DEFAULT_QUEUE": QUEUE})
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from cases.models import Person, PersonRole
    from matching.models import MatchProposal
    from matching.tasks import match_batch
    from tracing.celery import app

    with connection.cursor() as cursor:  # a clean slate: every pair found is created anew
        cursor.execute(f"TRUNCATE {MatchProposal._meta.db_table}, {MatchProposal.history.model._meta.db_table}")
    truth = matching_db._truth()
    # Sought persons: a pair is proposed only when one side is sought (matching.actions).
    sought = {str(pk) for pk in Person.objects.filter(role=PersonRole.SOUGHT).values_list("pk", flat=True)}
    ids = sorted(sought & set(truth)) if truth else sorted(sought)
    chosen = random.Random(args.seed).sample(ids, min(args.persons, len(ids)))
    batches = [chosen[i : i + args.batch] for i in range(0, len(chosen), args.batch)]
    app.control.purge()
    workers = start_workers(env, args.workers, args.concurrency)
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < args.workers and time.monotonic() < deadline:
            time.sleep(1)
        pids = [p for w in workers for p in _tree(w.pid)]
        cpu_before = sum(_cpu_seconds(p) for p in pids)
        load_before = os.getloadavg()
        started = time.perf_counter()
        from celery import group

        created = sum(group(match_batch.s(b) for b in batches).apply_async(queue=QUEUE).get(timeout=7200))
        wall = time.perf_counter() - started
        load_after = os.getloadavg()
        cpu = sum(_cpu_seconds(p) for p in [p for w in workers for p in _tree(w.pid)]) - cpu_before
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)
    found = set(MatchProposal.objects.values_list("person_a_id", "person_b_id"))
    found = {tuple(sorted((str(a), str(b)))) for a, b in found}
    by_entity: dict[str, list[str]] = {}
    for pid, entity in truth.items():
        by_entity.setdefault(entity, []).append(pid)
    cases = dict(Person.objects.filter(pk__in=[p for c in chosen for p in by_entity.get(truth.get(c, ""), [])])
                 .values_list("pk", "case_id"))
    cases = {str(k): v for k, v in cases.items()}
    true_pairs = {tuple(sorted((c, p))) for c in chosen for p in by_entity.get(truth.get(c, ""), [])
                  if p != c and cases.get(p) != cases.get(c)}
    print(json.dumps({
        "persons_in_db": Person.objects.count(), "linked": len(chosen), "batches": len(batches),
        "workers": args.workers, "concurrency": args.concurrency,
        "wall_s": round(wall, 1), "ms_per_person_wall": round(wall * 1000 / len(chosen), 1),
        "worker_cpu_s": round(cpu, 1), "cpu_ms_per_person": round(cpu * 1000 / len(chosen), 1),
        "proposals_created": created,
        "true_pairs": len(true_pairs),
        "true_pairs_proposed": len(true_pairs & found),
        "recall": round(len(true_pairs & found) / len(true_pairs), 4) if true_pairs else None,
        "load_average_before": load_before, "load_average_after": load_after,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
