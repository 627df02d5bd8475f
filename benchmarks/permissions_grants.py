"""Does the permission policy stay fast with many object grants?

The case list (cases.selectors.case_list: first page of 50 with the sought persons' display
names decrypted) for a supervisor of an office with 100,000 cases, with 10,000 cases of
another office shared with that office (guardian direct-FK grants), against the same list
without grants. PostgreSQL only, in its own database, seeded once (bulk inserts through
cases.actions.bulk.cases_bulk_create and tracing.permissions.share_grant_many).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracing_bench_perm \\
        .venv/bin/python benchmarks/permissions_grants.py [--cases 100000] [--grants 10000] [--runs 30]

"Without grants" moves the grants to another office's group inside a transaction that is
rolled back, so both measurements run on the same tables, the same sizes and statistics.
The policy's earlier formulation (a correlated EXISTS in an OR) is measured too, for the
record in docs/permissions.md. Prints one JSON document; exits 1 if the list with grants is
more than 20% slower than without.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracing_bench_perm")
os.environ.setdefault("AXES_ENABLED", "false")

HOME, OTHER, ELSEWHERE = "BH", "BO", "BX"
LIMIT = 0.20


def use_key_file_once() -> None:
    """Read the development key file once into the environment (the embedded default re-reads
    it for every value sealed, which would dominate seeding)."""
    path = Path(os.environ.get("TRACING_VAR_DIR", Path(__file__).resolve().parent.parent / "var")) / "dev-keys.json"
    if path.exists() and not os.environ.get("TRACING_KEKS"):
        for name, value in json.loads(path.read_text()).items():
            os.environ.setdefault(name, value)


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def items(n: int, seed: int) -> Any:
    from tests.factories import sample_case_data

    for i in range(n):
        data = sample_case_data()
        data["sought"][0]["names"] = [{"given_names": f"Person{seed}x{i}", "family_name": "Hassan",
                                       "kind": "primary", "script": "Latn"}]
        data["enquirer"]["email"] = ""
        yield data


def seed(cases: int, grants: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from cases.actions.bulk import cases_bulk_create
    from cases.models import Case, CaseGroupObjectPermission
    from tracing.models import Office, Role, StaffProfile
    from tracing.permissions import Level, share_grant_many

    offices = {code: Office.objects.get_or_create(code=code, defaults={"name": f"Bench {code}", "country": "NL"})[0]
               for code in (HOME, OTHER, ELSEWHERE)}
    users = {}
    for code, role in ((HOME, Role.SUPERVISOR), (OTHER, Role.CASEWORKER)):
        user, _c = get_user_model().objects.get_or_create(username=f"bench_{code.lower()}_{role}")
        StaffProfile.objects.update_or_create(user=user, defaults={"office": offices[code], "role": role})
        users[code] = user
    timings = {}
    for code, want in ((HOME, cases), (OTHER, grants)):
        have = Case.objects.filter(office=offices[code]).count()
        if have < want:
            started = time.perf_counter()

            def progress(result: Any, code: str = code, have: int = have) -> None:
                print(f"  {code}: {have + result.count} cases", file=sys.stderr)

            cases_bulk_create(acting_user=users[code], items=items(want - have, seed=have), batch_size=1000,
                              on_batch=progress)
            timings[f"seed_{code}_s"] = round(time.perf_counter() - started, 1)
    home_group = offices[HOME].group_id
    if CaseGroupObjectPermission.objects.filter(group_id=home_group).count() < grants:
        ids = list(Case.objects.filter(office=offices[OTHER]).values_list("pk", flat=True)[:grants])
        share_grant_many(ids, offices[HOME], Level.SEARCH)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"offices": offices, "supervisor": users[HOME], **timings}


def render_page(user: Any, queryset_for: Any = None) -> int:
    """The list page's database work: the first 50 rows and their sought persons' names."""
    from cases.selectors import case_list

    qs = case_list(user=user)
    if queryset_for is not None:
        qs = queryset_for(qs)
    names = 0
    for case in qs[:50]:
        for person in case.sought_persons:
            names += bool(person.display_name)
    return names


def query_only(user: Any, queryset_for: Any = None) -> int:
    """Just the policy-scoped, ordered first page of ids: the part the grants could slow down."""
    from cases.selectors import case_list

    qs = case_list(user=user)
    if queryset_for is not None:
        qs = queryset_for(qs)
    return len(list(qs.values_list("pk", flat=True)[:50]))


def measure(user: Any, runs: int, queryset_for: Any = None, work: Any = render_page) -> dict[str, float]:
    for _n in range(3):
        work(_fresh(user), queryset_for)  # warm caches and unwrapped keys
    times = []
    for _n in range(runs):
        started = time.perf_counter()
        work(_fresh(user), queryset_for)
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "p90_ms": round(sorted(times)[int(runs * 0.9) - 1], 2)}


def measure_all(user: Any, runs: int) -> dict[str, Any]:
    variant = exists_or_variant(user)
    return {
        "page": measure(user, runs),
        "query": measure(user, runs, work=query_only),
        "page_exists_or": measure(user, runs, variant),
        "query_exists_or": measure(user, runs, variant, work=query_only),
    }


def _fresh(user: Any) -> Any:
    user.__dict__.pop("_tracing_actor", None)  # as on a new request
    return user


def exists_or_variant(user: Any) -> Any:
    """The policy's first formulation, for comparison: own office OR a correlated EXISTS."""
    from django.db.models import Exists, OuterRef, Q

    from cases.models import Case, CaseGroupObjectPermission
    from tracing.permissions import Level, actor_for

    actor = actor_for(user)
    grant = Exists(CaseGroupObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), group_id=actor.group_id,
        permission__codename__in=list(Level.SHARE_CODENAMES.values())))

    def apply(qs: Any) -> Any:
        return qs.model.objects.filter(pk__in=Case.objects.filter(Q(office_id=actor.office_id) | Q(grant))
                                       .values("pk")).select_related("office", "assigned_to").prefetch_related(
            *qs._prefetch_related_lookups)

    return apply


def explain(user: Any) -> str:
    from cases.selectors import case_list

    return case_list(user=user)[:50].explain(analyze=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    use_key_file_once()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from cases.models import Case, CaseGroupObjectPermission

    if connection.vendor != "postgresql":
        print("PostgreSQL only", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    world = seed(args.cases, args.grants)
    sup = world["supervisor"]
    home, elsewhere = world["offices"][HOME], world["offices"][ELSEWHERE]
    report: dict[str, Any] = {
        "cases_in_office": Case.objects.filter(office=home).count(),
        "grants_to_office": CaseGroupObjectPermission.objects.filter(group_id=home.group_id).count(),
        "visible_cases": Case.objects.filter(pk__in=_visible_ids(sup)).count(),
        **{k: v for k, v in world.items() if k.endswith("_s")},
    }
    report["with_grants"] = measure_all(sup, args.runs)
    report["plan_with_grants"] = explain(_fresh(sup)).splitlines()
    with transaction.atomic():
        CaseGroupObjectPermission.objects.filter(group_id=home.group_id).update(group_id=elsewhere.group_id)
        report["without_grants"] = measure_all(sup, args.runs)
        transaction.set_rollback(True)
    with_, without = report["with_grants"], report["without_grants"]
    report["ratios_with_vs_without"] = {k: round(with_[k]["median_ms"] / without[k]["median_ms"], 3) for k in with_}
    ratio = report["ratios_with_vs_without"]["page"]
    report["within_20_percent"] = ratio <= 1 + LIMIT
    print(json.dumps(report, indent=2))
    return 0 if report["within_20_percent"] else 1


def _visible_ids(user: Any) -> Any:
    from cases.models import Case
    from tracing.permissions import visible

    return visible(_fresh(user), Case).values("pk")


if __name__ == "__main__":
    sys.exit(main())
