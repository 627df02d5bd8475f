"""Encryption benchmarks, printed as JSON.

1. Field layer: values sealed and opened per second (EncryptedTextField pre_save / descriptor).
2. Case list page: `cases.selectors.case_list` (50 rows) + rendering `includes/case_table.html`,
   with the display names decrypted, against a plaintext twin: the same queries and template
   where each name is a plain string as long as the stored ciphertext (no unwrap, no decrypt).
3. Key rotation for N persons (default 100,000) seeded with bulk inserts of properly
   encrypted rows (person + one name, each with one history row): `rotate_keys` (KEK
   re-wrap) and `rotate_keys --data-keys` (re-key every subject, re-seal, shred).

    .venv/bin/python benchmarks/crypto_bench.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracing_bench_crypto .venv/bin/python benchmarks/crypto_bench.py

A PostgreSQL database whose name starts with `tracing_bench` is dropped and created again;
any other DATABASE_URL is refused, so the script can never wipe a real database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _prepare_environment() -> str:
    from tracing.crypto.keys import new_key_b64

    tmp = Path(tempfile.mkdtemp(prefix="crypto-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings.base"
    os.environ["TRACING_VAR_DIR"] = str(tmp)
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["AXES_ENABLED"] = "0"
    os.environ["TRACING_KEKS"] = f"bold:{new_key_b64()}"
    os.environ["TRACING_INDEX_KEYS"] = f"ibench:{new_key_b64()}"
    os.environ["TRACING_AUDIT_SIGNING_KEY"] = new_key_b64()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return "sqlite"
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    if not db["NAME"].startswith("tracing_bench"):
        raise SystemExit("refusing to wipe a database whose name does not start with tracing_bench")
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    return "postgresql"


def bench_field_layer(n: int) -> dict[str, Any]:
    from cases.models import Person
    from tracing.crypto.datakeys import data_key_create
    from tracing.crypto.fields import Sealed

    person = Person(data_key=data_key_create(purpose="person"))
    field = Person._meta.get_field("display_name")
    value = "Mohammed Abdi Hassan"
    start = time.perf_counter()
    tokens = []
    for _ in range(n):
        person.__dict__["display_name"] = value
        tokens.append(field.pre_save(person, False))
    sealed_s = time.perf_counter() - start
    start = time.perf_counter()
    for token in tokens:
        person.__dict__["display_name"] = Sealed(token)
        assert person.display_name == value
    opened_s = time.perf_counter() - start
    return {"values": n, "encrypt_per_s": round(n / sealed_s), "decrypt_per_s": round(n / opened_s),
            "encrypt_us": round(sealed_s / n * 1e6, 1), "decrypt_us": round(opened_s / n * 1e6, 1)}


def _staff(office: Any, username: str, role: str) -> Any:
    from django.contrib.auth import get_user_model

    from tracing.models import StaffProfile

    user = get_user_model().objects.create_user(username=username, password=None)
    StaffProfile.objects.create(user=user, office=office, role=role)
    return user


def bench_case_list(repeat: int) -> dict[str, Any]:
    from django.template.loader import get_template

    from cases.actions import case_open
    from cases.selectors import case_list
    from tests.factories import sample_case_data
    from tracing.crypto import envelope
    from tracing.crypto.fields import Sealed
    from tracing.models import Office, Role

    office = Office.objects.create(code="BL", name="Bench list office", country="NL")
    supervisor = _staff(office, "bench-sup", Role.SUPERVISOR)
    for i in range(60):
        data = sample_case_data()
        data["sought"][0]["names"][0]["family_name"] = f"Hassan{i}"
        case_open(acting_user=supervisor, **data)
    template = get_template("includes/case_table.html")

    def page(plain: bool, cold: bool) -> int:
        if cold:
            envelope.forget_unwrapped()  # a fresh worker: every data key is unwrapped again
        cases = list(case_list(user=supervisor)[:50])
        for case in cases:
            for person in case.sought_persons:
                raw = person.__dict__["display_name"]
                # Both variants do the same bookkeeping; only decryption differs.
                person.__dict__["display_name"] = raw.token if plain else Sealed(raw.token)
        return len(template.render({"cases": cases, "caption": "Cases"}))

    result: dict[str, Any] = {"rows": 50, "note": (
        "min over interleaved runs; cpu = this process's CPU time (the SQLite engine runs in it, so on SQLite "
        "it is the page's whole cost and is not disturbed by other load on the machine)")}
    for label, cold in (("warm", False), ("cold", True)):
        for _ in range(5):  # warm-up: query plans, template cache
            page(False, cold), page(True, cold)
        runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        for _ in range(repeat):  # interleaved, so drift hits both alike
            for plain in (False, True):
                wall, cpu = time.perf_counter(), time.process_time()
                page(plain, cold)
                runs[plain].append((time.perf_counter() - wall, time.process_time() - cpu))
        entry: dict[str, Any] = {}
        for i, clock in enumerate(("wall", "cpu")):
            e, p = min(r[i] for r in runs[False]), min(r[i] for r in runs[True])
            entry[clock] = {"encrypted_ms": round(e * 1000, 2), "plaintext_ms": round(p * 1000, 2),
                            "overhead_pct": round((e - p) / p * 100, 1)}
        result[label] = entry
    return result


GIVEN = ["Mohammed", "Amina", "Abdi", "Fatuma", "Hassan", "Olena", "Taras", "Ahmed", "Halima", "Yusuf", "Nasra"]
FAMILY = ["Hassan", "Yusuf", "Kovalenko", "Abdullahi", "Warsame", "Osman", "Ali", "Farah", "Mohamud", "Nur"]


def seed_persons(persons: int, per_case: int = 100, chunk: int = 5000) -> dict[str, Any]:
    """Bulk-insert encrypted persons, names and one history row each (tokens as the app writes them)."""
    from django.utils import timezone

    from cases.models import Case, Person, PersonName
    from tracing.crypto import envelope
    from tracing.crypto.keys import provider
    from tracing.models import DataKey, Office, Role

    ring = provider().kek_ring()
    kek = ring.get(ring.current)
    office = Office.objects.create(code="BR", name="Bench rotation office", country="KE")
    user = _staff(office, "bench-rot", Role.SUPERVISOR)

    def keys(n: int, purpose: str) -> list[DataKey]:
        made = [DataKey(purpose=purpose, kek_id=ring.current) for _ in range(n)]
        for key in made:
            key.wrapped = envelope.wrap(kek, ring.current, os.urandom(32), key.id.hex)
        DataKey.objects.bulk_create(made, batch_size=2000)
        return made

    start = time.perf_counter()
    n_cases = (persons + per_case - 1) // per_case
    cases = [
        Case(reference=f"BR-{i:07d}", office=office, created_by=user, data_key=key, separation_cause="conflict",
             separation_place="Kismayo", separation_circumstances="Fled fighting at the border crossing.")
        for i, key in enumerate(keys(n_cases, "case"))
    ]
    Case.objects.bulk_create(cases, batch_size=1000)
    now = timezone.now()
    history_models = [(Person, Person.history.model), (PersonName, PersonName.history.model)]
    for first in range(0, persons, chunk):
        count = min(chunk, persons - first)
        people = []
        for j, key in enumerate(keys(count, "person")):
            i = first + j
            given, family = GIVEN[i % len(GIVEN)], FAMILY[(i // len(GIVEN)) % len(FAMILY)]
            people.append(Person(
                case=cases[i // per_case], role="sought", data_key=key, display_name=f"{given} {family}",
                sex="male", birth_date="1988-03", birth_place="Kismayo", phone=f"+2547{i:08d}",
            ))
        Person.objects.bulk_create(people, batch_size=1000)
        names = [PersonName(person=p, data_key=p.data_key, kind="primary", script="Latn",
                            given_names=p.display_name.split()[0], family_name=p.display_name.split()[1])
                 for p in people]
        PersonName.objects.bulk_create(names, batch_size=1000)
        for (model, history), rows in zip(history_models, (people, names), strict=True):
            copies = []
            for row in rows:
                copy = history(history_date=now, history_type="+")
                for f in model._meta.concrete_fields:
                    copy.__dict__[f.attname] = row.__dict__[f.attname]  # the live token, as history.py does
                copies.append(copy)
            history.objects.bulk_create(copies, batch_size=1000)
    return {"persons": persons, "cases": n_cases, "seconds": round(time.perf_counter() - start, 1)}


def bench_rotation() -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command

    from audit.models import AuditEvent
    from tracing.crypto.keys import new_key_b64, reset_key_cache
    from tracing.models import DataKey

    settings.TRACING_KEKS = f"bnew:{new_key_b64()},{settings.TRACING_KEKS}"
    reset_key_cache()
    out: dict[str, Any] = {"data_keys": DataKey.objects.filter(wrapped__isnull=False).count()}
    start = time.perf_counter()
    call_command("rotate_keys", "--batch", "1000", verbosity=0)
    out["kek_rewrap_s"] = round(time.perf_counter() - start, 1)
    out["kek_keys_per_s"] = round(out["data_keys"] / out["kek_rewrap_s"])
    event = AuditEvent.objects.filter(event_type="keys.rotated").latest("seq").data
    out["kek_rewrapped"] = event["rewrapped"]
    reset_key_cache()
    start = time.perf_counter()
    call_command("rotate_keys", "--data-keys", "--batch", "1000", verbosity=0)
    out["data_keys_s"] = round(time.perf_counter() - start, 1)
    out["data_keys_subjects_per_s"] = round(out["data_keys"] / out["data_keys_s"])
    event = AuditEvent.objects.filter(event_type="keys.rotated").latest("seq").data
    out.update({"data_keys_subjects": event["subjects"], "data_keys_values_resealed": event["values"],
                "data_keys_rows_updated": event["rows"], "data_keys_destroyed": event["destroyed"]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--values", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    vendor = _prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report: dict[str, Any] = {"database": vendor, "python": sys.version.split()[0]}
    report["field_layer"] = bench_field_layer(args.values)
    report["case_list_page"] = bench_case_list(args.repeat)
    report["seed"] = seed_persons(args.persons)
    report["rotation"] = bench_rotation()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
