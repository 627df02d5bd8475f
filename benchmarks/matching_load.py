"""Fast loader of synthetic persons for the database matching benchmarks (PostgreSQL only).

    nice -n 10 .venv/bin/python benchmarks/matching_load.py --to 1000000 --workers 2

Rows are built by the product's own bulk path (`cases.actions.bulk._build_batch`: per-case and
per-person data keys wrapped under the KEK, `_clean` and `clean_fields` validation, display
name, blind-index terms from `cases.indexing.person_index_terms` under the active index key),
and sealed by each encrypted field's own `pre_save`, exactly as `bulk_create` would. What
differs is only the write: every table (data keys, cases, persons, names, places, their
simple-history rows and the search terms) goes in with one PostgreSQL COPY per table and
batch instead of multi-row INSERTs. Each batch is one transaction with one `case.bulk_created`
audit event, as in `cases_bulk_create`.

Persons come from the evaluation generator (matching.evaluation: five origins, native
scripts, variant romanisations, typos, OCR slips, swapped and dropped name parts, partial
dates, siblings), three per case: an enquirer and two sought persons. The generator shuffles
its records, so records of one entity mostly land in different cases (as they would when
offices register the same person). Worker i loads into the office of its demo caseworker
(NL, KE alternately), so candidates come from several offices.

The database and keys are those of benchmarks/matching_db.py (`tracing_bench_match`,
var/bench-match-keys.json); run that once without --reuse, or this with --create.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ENTITIES_PER_CHUNK = 4000
PERSONS_PER_CASE = 3
#: person id -> generator entity id, one file per database (appended to at every load).
TRUTH_DIR = ROOT / "var" / "bench-match-truth"


def _cases(seed: int, count: int) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """`count` case items of the bulk path (an enquirer and two sought persons each), with the
    generator's entity id of each person in item order (the truth for measuring recall)."""
    from matching_db import _person

    from matching.evaluation import generate

    made, chunk = 0, 0
    while made < count:
        data = generate(ENTITIES_PER_CHUNK, seed * 100_000 + chunk)
        chunk += 1
        records = data.records
        for i in range(0, len(records) - PERSONS_PER_CASE + 1, PERSONS_PER_CASE):
            if made == count:
                return
            group = records[i : i + PERSONS_PER_CASE]
            sought = [_person(r) for r in group[1:]]
            for person in sought:
                person["relationship"] = "sibling"
            item = {"enquirer": _person(group[0]), "sought": sought, "separation_cause": "conflict"}
            yield item, [data.truth[r.id] for r in group]
            made += 1


def _copy(model: Any, objs: Sequence[Any]) -> None:
    """COPY model instances: every concrete column but an auto-increment key, each value
    through the field's own pre_save and get_db_prep_save (encrypted fields seal here)."""
    from django.db import connection
    from django.db.models import AutoField, BigAutoField

    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _write(batch: Any, *, user: Any) -> None:
    from django.utils import timezone

    from cases.actions.bulk import _copy_rows, _history_rows
    from cases.models import Case, Person, PersonMatchRecord, PersonName, PersonPlace, PersonSearchTerm
    from tracing.models import DataKey

    _copy_rows(DataKey, ("id", "purpose", "wrapped", "kek_id", "created_at"),
               ((k.id, k.purpose, k.wrapped, k.kek_id, k.created_at) for k in batch.keys))
    for model, rows in ((Case, batch.cases), (Person, batch.persons), (PersonName, batch.names),
                        (PersonPlace, batch.places)):
        _copy(model, rows)  # seals first: the history rows below copy the live rows' tokens
        _copy(model.history.model, _history_rows(model, rows, user=user, when=timezone.now()))
    _copy_rows(PersonSearchTerm, ("person_id", "office_id", "index", "term", "key_version"), batch.terms)
    _copy(PersonMatchRecord, batch.match_records)


def load_part(worker: int, seed: int, cases: int, batch_size: int) -> dict[str, Any]:
    """One worker's share: `cases` cases in batches, each batch one transaction."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from audit.events import record_event
    from cases.actions.bulk import _build_batch, _chunks, _reserve_references
    from tracing.models import Office
    from tracing.permissions import actor_for

    username = "nl-caseworker" if worker % 2 == 0 else "ke-caseworker"
    user = get_user_model().objects.get(username=username)
    office = Office.objects.get(pk=actor_for(user).office_id)
    terms_cache: dict[tuple, list[tuple[str, str]]] = {}
    started, done, persons, terms = time.perf_counter(), 0, 0, 0
    TRUTH_DIR.mkdir(parents=True, exist_ok=True)
    truth = (TRUTH_DIR / f"{os.environ.get('MATCH_BENCH_DB', 'tracing_bench_match')}.tsv").open("a")
    for pairs in _chunks(_cases(seed, cases), batch_size):
        chunk = [item for item, _entities in pairs]
        with transaction.atomic():
            references = _reserve_references(office, len(chunk))
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Benchmark only: no foreign-key trigger queued per row (the rows are built
                # together and consistent; a run with checks on loaded the same rows).
                cursor.execute("SET LOCAL session_replication_role = replica")
            batch = _build_batch(acting_user=user, office=office, items=chunk, references=references,
                                 terms_cache=terms_cache)
            _write(batch, user=user)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
            record_event(event_type="case.bulk_created", actor=user, office=office,
                         data={"count": len(batch.cases), "references": [references[0], references[-1]]})
        # Persons are built in item order: enquirer, then the sought persons.
        entities = [e for _item, ents in pairs for e in ents]
        truth.writelines(f"{p.pk}\t{e}\n" for p, e in zip(batch.persons, entities, strict=True))
        truth.flush()  # a stopped load (it resumes) keeps the truth of every committed batch
        done += len(batch.cases)
        persons += len(batch.persons)
        terms += len(batch.terms)
        if done % (batch_size * 20) == 0:
            rate = persons / (time.perf_counter() - started)
            print(f"worker {worker}: {persons} persons, {rate:.0f}/s, load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)
    truth.close()
    return {"worker": worker, "cases": done, "persons": persons, "terms": terms,
            "seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(time.process_time(), 1)}


def load_to(persons: int, workers: int, batch_size: int = 1000) -> dict[str, Any]:
    """Add cases until the database holds about `persons` persons; VACUUM ANALYZE after."""
    from django.db import connection, connections

    from cases.models import Person

    have = Person.objects.count()
    cases = max(0, (persons - have) // PERSONS_PER_CASE)
    if not cases:
        return {"persons_before": have, "seconds": 0.0}
    load_before = os.getloadavg()
    started = time.perf_counter()
    connections.close_all()  # forked children open their own connections
    shares = [cases // workers + (1 if i < cases % workers else 0) for i in range(workers)]
    base = random.Random(have).randrange(1, 10**6)  # new seeds at every size: no repeated data
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.starmap(load_part, [(i, base * 10 + i, n, batch_size) for i, n in enumerate(shares)])
    loaded_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in ("cases_personsearchterm", "cases_person", "cases_personname", "cases_personplace",
                      "cases_case", "tracing_datakey"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    added = sum(p["persons"] for p in parts)
    return {
        "persons_before": have, "persons_added": added, "terms_added": sum(p["terms"] for p in parts),
        "seconds": round(loaded_s, 1), "persons_per_s": round(added / loaded_s, 1),
        "vacuum_s": round(time.perf_counter() - started - loaded_s, 1),
        "load_average_before": load_before, "load_average_after": os.getloadavg(), "workers": parts,
    }


def main() -> None:
    import matching_db

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", type=int, required=True, help="Person count to load up to.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000, help="Cases per batch (transaction).")
    parser.add_argument("--create", action="store_true", help="Drop and create the database first.")
    args = parser.parse_args()
    env = matching_db.bench_env()
    if args.create:
        (TRUTH_DIR / f"{matching_db.DATABASE}.tsv").unlink(missing_ok=True)
        matching_db.create_database()
        matching_db.manage(env, "migrate", "--noinput")
        matching_db.manage(env, "seed_demo")
    os.environ.update(env)
    import django

    django.setup()
    print(json.dumps(load_to(args.to, args.workers, args.batch), indent=2))


if __name__ == "__main__":
    main()
