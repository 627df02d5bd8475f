"""Load test: a realistic mix against the service on 127.0.0.1, with wrk (issue 9).

    .venv/bin/python benchmarks/load_test.py                      # 60 s of the mix, then the baseline
    .venv/bin/python benchmarks/load_test.py --duration 120 --connections 16

Needs the 100,000-case database of `benchmarks/case_pages.py` (`tracing_bench_pages`, its keys
in var/bench-pages-keys.json), `wrk` on the PATH, PostgreSQL and Redis on 127.0.0.1.

The script starts, on this machine:
- gunicorn (sync workers, `--workers`) serving the service with DEBUG off
  (settings `benchmarks.load_settings`: the service's settings plus a minimal view);
- a Celery worker on Redis (db `--redis-db`), so tasks scheduled by the requests (outbox,
  notifications, the partner webhooks) run as in production instead of eagerly in the request.

Then it prepares the personas through the real code (sessions of `nl-caseworker`, an API
token, enquirers signed in to the status page with codes issued by `enquirer_access_issue`,
a registered partner system with an HMAC key), and runs wrk with `load_mix.lua`:

    30 %  caseworker: case list  GET /cases/ (a page of 50 from 100,000; one in five page 2..20)
    30 %  caseworker: case page  GET /cases/<id>/ (random among 2,000 of the office's cases)
    10 %  caseworker: search     POST /cases/search/ (a name, CSRF token as a browser sends it)
    10 %  caseworker: update     POST /api/v1/cases/<id>/notes/ (API token; a note never conflicts)
    15 %  enquirer: status page  GET /status/case/ (signed-in enquirers)
     5 %  partner: submission    POST /api/v1/partners/requests/ (signed, a fresh nonce each)

Partner requests are signed in advance (wrk's Lua has no HMAC), each with its own nonce and
Idempotency-Key and a timestamp that must stay within the partner API's window (300 s): so
`--duration` is at most 240 s.

Afterwards the same wrk settings hit /bench/minimal/ (a view that returns "ok" through the
same middleware), and the ratio of the two throughputs is reported. Prints JSON: requests
per second, latency percentiles, errors (non-2xx/3xx by status, socket errors), requests per
kind, the ratio and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from case_pages import bench_env, manage  # noqa: E402

MIX_LUA = ROOT / "benchmarks" / "load_mix.lua"
#: gunicorn's access log: method, path, status, microseconds in the server (per-kind figures).
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
KINDS = [  # (kind, method, path test), in the order they are tried
    ("case_list", "GET", lambda p: p == "/cases/"),
    ("search", "POST", lambda p: p == "/cases/search/"),
    ("case_detail", "GET", lambda p: p.startswith("/cases/")),
    ("note_add_api", "POST", lambda p: p.startswith("/api/v1/cases/")),
    ("enquirer_status", "GET", lambda p: p.startswith("/status/")),
    ("partner_submit", "POST", lambda p: p.startswith("/api/v1/partners/")),
    ("minimal", "GET", lambda p: p == "/bench/minimal/"),
]
PARTNER_WINDOW = 300
SEARCH_NAMES = 20


def service_env(database: str, redis_db: int) -> dict[str, str]:
    env = bench_env(database)
    env.update({
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "PYTHONPATH": str(ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRACING_REQUIRE_OTP": "0",
    })
    return env


# --- preparing the personas (runs inside Django, in a subprocess with the service's settings) ---


def prepare(sessions: int, enquirers: int, partner_requests: int) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases.actions import case_transition
    from cases.models import Case, Person, PersonRole
    from cases.workflow import State
    from tracing.models import Office
    from tracing.public.actions import enquirer_access_issue

    users = get_user_model().objects
    caseworker = users.get(username="nl-caseworker")
    supervisor = users.get(username="nl-supervisor")
    csrf = _get_new_csrf_string()
    web_sessions = []
    for _n in range(sessions):
        client = Client()
        client.force_login(caseworker)
        web_sessions.append(client.cookies["sessionid"].value)
    token = Token.objects.get_or_create(user=caseworker)[0].key

    nl = Office.objects.get(code="NL")
    cases = Case.objects.filter(office=nl, kind="tracing", assigned_to=caseworker)
    ids = [str(i) for i in cases.order_by("?").values_list("id", flat=True)[:2000]]
    names = []
    for person in (Person.objects.filter(case_id__in=ids[:SEARCH_NAMES], role=PersonRole.SOUGHT)
                   .select_related("data_key")):
        if person.display_name:
            names.append(person.display_name)

    # Enquirers: cases past review get a code (as a letter would carry), and sign in for real.
    status_sessions = []
    # The status page opens once a case is past review (tracing.public.actions).
    closed_to_enquirers = (State.RECEIVED, State.ELIGIBILITY_REVIEW, State.CLOSED)
    open_states = [state for state in State.values if state not in closed_to_enquirers]
    ready = Case.objects.filter(office=nl, kind="tracing", state__in=open_states)
    for case in Case.objects.filter(office=nl, kind="tracing", state=State.RECEIVED).order_by("reference")[
            : max(0, enquirers - ready.count())]:
        case_transition(acting_user=caseworker, case_id=case.id, transition="start_review")
        case_transition(acting_user=supervisor, case_id=case.id, transition="accept")
    for case in ready[:enquirers]:
        issued = enquirer_access_issue(acting_user=supervisor, case_id=case.id, channel="letter")
        client = Client(HTTP_HOST="127.0.0.1")
        response = client.post("/status/", {"reference": case.reference, "code": issued.code})
        if response.status_code == 302 and "sessionid" in client.cookies:
            status_sessions.append(client.cookies["sessionid"].value)
    if not status_sessions:
        raise SystemExit("no enquirer could sign in to the status page")

    partner = _partner_requests(partner_requests, timezone.now() + timedelta(days=30))
    return {"csrf": csrf, "sessions": web_sessions, "token": token, "case_ids": ids, "names": names,
            "status_sessions": status_sessions, "partner_requests": partner,
            "cases_in_office": Case.objects.filter(office=nl).count()}


def _partner_requests(count: int, due: Any) -> list[dict[str, str]]:
    """`count` signed submissions from a KE partner system to the NL office, each usable once."""
    import secrets

    from django.contrib.auth import get_user_model

    from partners.actions import partner_key_add, partner_register
    from partners.signing import b64d, b64e, canonical, hmac_sign
    from tracing.models import Office

    admin = get_user_model().objects.get(username="ke-office-admin")
    partner = partner_register(acting_user=admin, office_id=Office.objects.get(code="KE").pk,
                               name=f"Load test partner {secrets.token_hex(3)}")
    key, secret = partner_key_add(acting_user=admin, partner_id=partner.pk, algorithm="hmac-sha256")
    path = "/api/v1/partners/requests/"
    timestamp = str(int(time.time()))
    out = []
    for n in range(count):
        body = json.dumps({
            "to_office": "NL", "question": "Please search the registers of your reception centres.",
            "due_date": due.date().isoformat(), "share_level": "search", "external_reference": f"LOAD-{n}",
            "case": {
                "enquirer": {"names": [{"given_names": "Wanjiru", "family_name": f"Kamau {n}", "kind": "primary"}],
                             "phone": "+254 712 345678"},
                "sought": [{"names": [{"given_names": "Otieno", "family_name": f"Kamau {n}", "kind": "primary"}],
                            "relationship": "sibling", "birth_date": "~1990"}],
                "separation_cause": "migration", "languages": ["sw", "en"],
            },
        }, separators=(",", ":"))
        nonce = secrets.token_urlsafe(18)
        message = canonical(method="POST", path=path, timestamp=timestamp, nonce=nonce, body=body.encode(),
                            key_id=key.key_id)
        out.append({"body": body, "key": key.key_id, "ts": timestamp, "nonce": nonce,
                    "sig": b64e(hmac_sign(b64d(secret), message)), "idem": f"load-{nonce}"})
    return out


# --- the service ------------------------------------------------------------------------------


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop one process we started (and its children: its own process group), by its id."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own 127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def write_data(data: dict[str, Any], path: Path) -> None:
    """The prepared personas as a Lua module (read by load_mix.lua's init in every wrk thread)."""
    def lst(items: list[str]) -> str:
        return "{" + ",".join(lua_string(i) for i in items) + "}"

    partner = ",".join(
        "{" + ",".join(f"{k}={lua_string(v)}" for k, v in r.items()) + "}" for r in data["partner_requests"]
    )
    path.write_text(
        "return {\n"
        f"csrf={lua_string(data['csrf'])},\ntoken={lua_string(data['token'])},\n"
        f"sessions={lst(data['sessions'])},\nstatus_sessions={lst(data['status_sessions'])},\n"
        f"case_ids={lst(data['case_ids'])},\nnames={lst(data['names'])},\npartner={{{partner}}},\n"
        "}\n"
    )


def wrk(url: str, script: Path, *, duration: int, connections: int, threads: int,
        env: dict[str, str]) -> dict[str, Any]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
           "-s", str(script), url]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if run.returncode:
        raise SystemExit(f"wrk failed: {run.stderr or run.stdout}")
    out = run.stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    # Anything but 200 (pages) and 201 (created) is a failure here: a 302 would be a lost session.
    result["unexpected_statuses"] = {k: v for k, v in result["statuses"].items() if k not in ("200", "201")}
    result["wrk_output"] = [x for x in out.splitlines() if not x.startswith("JSON ")]
    return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def server_times(log: Path) -> dict[str, Any]:
    """Per kind of request: count, statuses and server time percentiles from gunicorn's log
    (wrk cannot tell which response belonged to which kind)."""
    times: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, status, micros = parts
        kind = next((k for k, m, test in KINDS if m == method and test(path)), f"other {method} {path}")
        times.setdefault(kind, []).append(int(micros) / 1000)
        statuses.setdefault(kind, {}).setdefault(status, 0)
        statuses[kind][status] += 1
    return {
        kind: {"n": len(ms), "statuses": statuses[kind], "p50_ms": round(percentile(ms, 50), 1),
               "p95_ms": round(percentile(ms, 95), 1), "p99_ms": round(percentile(ms, 99), 1)}
        for kind, ms in sorted(times.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="tracing_bench_pages")
    parser.add_argument("--redis-db", type=int, default=1)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mix (and of the baseline)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--prepare", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        Path(args.prepare).write_text(json.dumps(prepare(sessions=8, enquirers=10, partner_requests=4000)))
        return
    if args.duration + args.warmup > PARTNER_WINDOW - 60:
        parser.error(f"--duration + --warmup must stay under {PARTNER_WINDOW - 60} s (the signatures' window)")

    env = service_env(args.database, args.redis_db)
    base = f"http://127.0.0.1:{args.port}"
    work = Path(tempfile.mkdtemp(prefix="load_test_"))
    manage(env, "migrate", "--noinput", "-v0")  # apps added since the database was loaded
    celery = start([sys.executable, "-m", "celery", "-A", "tracing", "worker", "--loglevel", "WARNING",
                    "--concurrency", "1", "-Q", env.get("CELERY_TASK_DEFAULT_QUEUE", "tracing")],
                   env, work / "celery.log")
    gunicorn = start([str(Path(sys.executable).parent / "gunicorn"), "tracing.wsgi:application",
                      "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
                      "--worker-class", "sync", "--timeout", "120", "--log-level", "warning",
                      "--access-logfile", str(work / "access.log"), "--access-logformat", ACCESS_FORMAT],
                     env, work / "gunicorn.log")
    try:
        wait_until_up(f"{base}/bench/minimal/")
        subprocess.run([sys.executable, __file__, "--prepare", str(work / "data.json")],  # noqa: S603
                       cwd=ROOT, env=env, check=True)
        data = json.loads((work / "data.json").read_text())
        write_data(data, work / "data.lua")
        wrk_env = {**os.environ, "LOAD_DATA": str(work / "data.lua"), "LOAD_THREADS": str(args.threads)}
        common = {"connections": args.connections, "threads": args.threads, "env": wrk_env}
        if args.warmup:
            half = str(len(data["partner_requests"]) // 2 + 1)
            wrk(base, MIX_LUA, duration=args.warmup, **{**common, "env": {**wrk_env, "LOAD_PARTNER_START": half}})
        (work / "access.log").write_text("")  # only the measured run's requests from here
        load_before = os.getloadavg()
        mix = wrk(base, MIX_LUA, duration=args.duration, **common)
        load_mix = os.getloadavg()
        time.sleep(1)
        mix["server_side_by_kind"] = server_times(work / "access.log")
        (work / "access.log").write_text("")
        minimal = wrk(f"{base}/bench/minimal/", MIX_LUA, duration=args.duration,
                      **{**common, "env": {**wrk_env, "LOAD_MINIMAL": "1"}})
        load_after = os.getloadavg()
        time.sleep(1)
        minimal["server_side_by_kind"] = server_times(work / "access.log")
    finally:
        stop(gunicorn)
        stop(celery)
    result = {
        "cases_in_office": data["cases_in_office"],
        "config": {"duration_s": args.duration, "connections": args.connections, "wrk_threads": args.threads,
                   "gunicorn_workers": args.workers, "celery_workers": 1,
                   "enquirer_sessions": len(data["status_sessions"]), "search_names": len(data["names"])},
        "mix": mix,
        "minimal_view": minimal,
        "ratio_minimal_to_mix_rps": round(minimal["rps"] / mix["rps"], 1) if mix["rps"] else None,
        "load_avg": {"before_mix": load_before, "after_mix": load_mix, "after_minimal": load_after},
        "logs": str(work),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
