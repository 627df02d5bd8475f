"""`manage.py seed_demo`: offices, one login per role, and cases in every workflow state.

Idempotent: offices and users are updated in place (the demo password is reset), and an
office's demo cases are created once (an audit event `demo.seeded` marks it). Every case
is opened and moved through the real actions, so the demo shows exactly what the service
would have recorded: history, audit events, notifications, consents and disclosures.

`seed_demo --cases N` adds N synthetic cases to one office through `cases_bulk_create`,
for benchmarks (100,000 take a few minutes on PostgreSQL).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from audit.events import record_event
from audit.models import AuditEvent
from cases.actions import case_open, case_transition, consent_record, contact_disclose, note_add
from cases.actions.bulk import BulkResult, cases_bulk_create
from cases.models import Case, PersonRole
from cases.workflow import State
from tracing.models import Office, Role, StaffProfile
from tracing.network.actions import request_send

DEMO_PASSWORD = "tracing-demo-2026"  # noqa: S105  # printed on purpose: demo logins only
NETWORK_AUDITOR = "network-auditor"
ROLE_SLUGS = {
    Role.CASEWORKER: "caseworker", Role.SUPERVISOR: "supervisor", Role.OFFICE_ADMIN: "office-admin",
    Role.AUDITOR: "auditor",
}


@dataclass(frozen=True)
class DemoOffice:
    code: str
    name: str
    country: str
    languages: list[str]
    timezone: str
    phone_prefix: str


OFFICES = [
    DemoOffice("NL", "Netherlands Red Cross tracing office", "NL", ["nl", "en"], "Europe/Amsterdam", "+31 6 1"),
    DemoOffice("KE", "Kenya Red Cross tracing office", "KE", ["en", "sw", "so"], "Africa/Nairobi", "+254 71"),
    DemoOffice("JO", "Jordan Red Crescent tracing office", "JO", ["ar", "en"], "Asia/Amman", "+962 79"),
    DemoOffice("UA", "Ukrainian Red Cross tracing office", "UA", ["uk", "ru", "en"], "Europe/Kyiv", "+380 67"),
]


def _name(given: str, family: str, script: str, kind: str = "primary") -> dict[str, str]:
    return {"given_names": given, "family_name": family, "script": script, "kind": kind}


# (enquirer names, sought names, relationship, sex, birth, birth place, last place, country, cause, languages)
# Several scripts per office: a name as written plus its usual transliteration.
PEOPLE: dict[str, list[tuple]] = {
    "NL": [
        ([_name("Amina", "Yusuf", "Latn")],
         [_name("Mohammed Abdi", "Hassan", "Latn"), _name("محمد عبدي", "حسن", "Arab", "transliteration")],
         "sibling", "male", "~1988", "Kismayo", "Dadaab camp", "KE", "conflict", ["so", "en"]),
        ([_name("Yonas", "Tesfay", "Latn"), _name("ዮናስ", "ተስፋይ", "Ethi", "transliteration")],
         [_name("Selam", "Tesfay", "Latn"), _name("ሰላም", "ተስፋይ", "Ethi", "transliteration")],
         "sibling", "female", "1995-04", "Asmara", "Tripoli", "LY", "migration", ["ti", "en"]),
        ([_name("Rania", "Al-Khatib", "Latn")],
         [_name("Omar", "Al-Khatib", "Latn"), _name("عمر", "الخطيب", "Arab", "transliteration")],
         "parent", "male", "~1960", "Aleppo", "Gaziantep", "TR", "conflict", ["ar", "nl"]),
        ([_name("Olena", "Kovalenko", "Latn"), _name("Олена", "Коваленко", "Cyrl", "transliteration")],
         [_name("Андрій", "Коваленко", "Cyrl"), _name("Andrii", "Kovalenko", "Latn", "transliteration")],
         "spouse", "male", "1983-11-02", "Mariupol", "Zaporizhzhia", "UA", "conflict", ["uk", "en"]),
    ],
    "KE": [
        ([_name("Halima", "Abdullahi", "Latn")],
         [_name("Abdirahman", "Abdullahi", "Latn"), _name("عبد الرحمن", "عبد الله", "Arab", "transliteration")],
         "child", "male", "~2008", "Baidoa", "Mogadishu", "SO", "conflict", ["so", "en"]),
        ([_name("Achol", "Deng", "Latn")],
         [_name("Garang", "Deng", "Latn")],
         "parent", "male", "~1970", "Bor", "Kakuma camp", "KE", "conflict", ["din", "en"]),
        ([_name("Tigist", "Bekele", "Latn"), _name("ትዕግስት", "በቀለ", "Ethi", "transliteration")],
         [_name("ሙሉጌታ", "በቀለ", "Ethi"), _name("Mulugeta", "Bekele", "Latn", "transliteration")],
         "sibling", "male", "1990", "Gondar", "Moyale", "KE", "migration", ["am", "en"]),
    ],
    "JO": [
        ([_name("فاطمة", "العلي", "Arab"), _name("Fatima", "Al-Ali", "Latn", "transliteration")],
         [_name("أحمد", "العلي", "Arab"), _name("Ahmad", "Al-Ali", "Latn", "transliteration")],
         "child", "male", "~2001", "درعا", "Daraa", "SY", "conflict", ["ar"]),
        ([_name("خالد", "الحسن", "Arab"), _name("Khaled", "Al-Hassan", "Latn", "transliteration")],
         [_name("ليلى", "الحسن", "Arab"), _name("Layla", "Al-Hassan", "Latn", "transliteration")],
         "sibling", "female", "1993-07", "Homs", "Zaatari camp", "JO", "conflict", ["ar", "en"]),
        ([_name("Zainab", "Kareem", "Latn")],
         [_name("حيدر", "كريم", "Arab"), _name("Haidar", "Kareem", "Latn", "transliteration")],
         "spouse", "male", "~1979", "Mosul", "Erbil", "IQ", "detention", ["ar"]),
    ],
    "UA": [
        ([_name("Марія", "Шевченко", "Cyrl"), _name("Mariia", "Shevchenko", "Latn", "transliteration")],
         [_name("Тарас", "Шевченко", "Cyrl"), _name("Taras", "Shevchenko", "Latn", "transliteration")],
         "child", "male", "1999-03-14", "Kharkiv", "Kharkiv", "UA", "conflict", ["uk"]),
        ([_name("Ірина", "Мельник", "Cyrl"), _name("Iryna", "Melnyk", "Latn", "transliteration")],
         [_name("Олег", "Мельник", "Cyrl"), _name("Oleh", "Melnyk", "Latn", "transliteration")],
         "spouse", "male", "~1975", "Kherson", "Kherson", "UA", "detention", ["uk", "ru"]),
        ([_name("Natalia", "Bondarenko", "Latn")],
         [_name("Софія", "Бондаренко", "Cyrl"), _name("Sofiia", "Bondarenko", "Latn", "transliteration")],
         "grandchild", "female", "2012", "Bakhmut", "Dnipro", "UA", "conflict", ["uk", "en"]),
    ],
}


# The steps that bring a freshly opened case to each state, by whom: (kind, name, role, reason).
# Each path extends a shorter one, exactly as the workflow allows.
def _t(name: str, role: str = Role.CASEWORKER, reason: str = "") -> tuple[str, str, str, str]:
    return ("transition", name, role, reason)


_CONSENT_REQUESTED = [_t("start_review"), _t("accept", Role.SUPERVISOR), _t("start_search"), _t("mark_located"),
                      _t("request_consent")]
_CONTACT_SHARED = [*_CONSENT_REQUESTED, ("consent", "share_contact", Role.CASEWORKER, ""),
                   _t("record_consent_given"), ("disclose", "contact", Role.CASEWORKER, ""), _t("share_contact")]
PATHS: dict[str, list[tuple[str, str, str, str]]] = {
    State.RECEIVED: [],
    State.ELIGIBILITY_REVIEW: [_t("start_review")],
    State.ACCEPTED: [_t("start_review"), _t("accept", Role.SUPERVISOR)],
    State.DECLINED: [_t("start_review"), _t("decline", Role.SUPERVISOR, "insufficient_information")],
    State.SEARCHING: _CONSENT_REQUESTED[:3],
    State.LOCATED: _CONSENT_REQUESTED[:4],
    State.CONSENT_REQUESTED: _CONSENT_REQUESTED,
    State.CONSENT_GIVEN: [*_CONSENT_REQUESTED, ("consent", "alive_only", Role.CASEWORKER, ""),
                          _t("record_consent_given")],
    State.CONSENT_REFUSED: [*_CONSENT_REQUESTED, ("consent", "no_contact", Role.CASEWORKER, ""),
                            _t("record_consent_refused")],
    State.CONTACT_SHARED: _CONTACT_SHARED,
    State.MESSAGE_RELAYED: [*_CONSENT_REQUESTED, ("consent", "relay_messages", Role.CASEWORKER, ""),
                            _t("record_consent_given"), ("disclose", "message", Role.CASEWORKER, ""),
                            _t("relay_message")],
    State.NOT_FOUND: [*_CONSENT_REQUESTED[:3], _t("mark_not_found", Role.SUPERVISOR)],
    State.DECEASED: [*_CONSENT_REQUESTED[:4], _t("mark_deceased", Role.CASEWORKER, "witness")],
    State.WITHDRAWN: [_t("start_review"), _t("withdraw")],
    State.UNREACHABLE: [*_CONSENT_REQUESTED[:2], _t("mark_unreachable")],
    State.CLOSED: [*_CONTACT_SHARED, _t("close", Role.SUPERVISOR, "reunited")],
}

DISCLOSURES = {
    "contact": "Gave the enquirer the phone number the found person agreed to share.",
    "message": "Relayed a Red Cross message: the found person is well and sends greetings.",
}


def _username(office_code: str, role: str) -> str:
    return f"{office_code.lower()}-{ROLE_SLUGS[role]}"


def _ensure_user(username: str, office: Office, role: str, password: str, *, network_wide: bool = False) -> Any:
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.email = f"{username}@demo.invalid"
    user.is_active = True
    user.set_password(password)
    user.save()
    StaffProfile.objects.update_or_create(
        user=user, defaults={"office": office, "role": role, "network_wide": network_wide,
                             "language": office.languages[0] if office.languages else "en"},
    )
    return user


def _case_data(office: DemoOffice, person: tuple, n: int) -> dict[str, Any]:
    enquirer_names, sought_names, relationship, sex, birth, birth_place, place, country, cause, languages = person
    return {
        "enquirer": {"names": enquirer_names, "phone": f"{office.phone_prefix}2 345 6{n:02d}",
                     "address": f"{n} Station Road, {office.name.split()[0]}"},
        "sought": [{
            "names": sought_names, "relationship": relationship, "sex": sex, "birth_date": birth,
            "birth_place": birth_place, "places": [{"place": place, "country": country, "date": "2016-05"}],
        }],
        "separation_cause": cause,
        "separation_date": "2015",
        "separation_place": birth_place,
        "separation_circumstances": "Lost contact during displacement; last news came through a neighbour.",
        "languages": languages,
        "eligibility": {"is_relative": True, "lost_contact_months": 60},
    }


# --- synthetic cases for benchmarks -----------------------------------------------------------

SYNTHETIC_NAMES = {
    "Latn": (["Amina", "Mohammed", "Fatuma", "Abdi", "Selam", "Yonas", "Grace", "Peter", "Maria", "Ali", "Hodan",
              "Samuel", "Leila", "Omar", "Ruth", "Daniel", "Nasra", "Ibrahim", "Sara", "Joseph"],
             ["Hassan", "Yusuf", "Tesfay", "Deng", "Abdullahi", "Kovalenko", "Osman", "Bekele", "Mwangi", "Ahmed",
              "Otieno", "Haile", "Farah", "Nkosi", "Mohamud", "Ochieng", "Kamau", "Said", "Ali", "Warsame"]),
    "Arab": (["محمد", "أحمد", "فاطمة", "ليلى", "عمر", "خالد", "زينب", "حسن", "مريم", "يوسف"],
             ["العلي", "الحسن", "كريم", "الخطيب", "حداد", "منصور", "سليمان", "ابراهيم", "الأحمد", "نصر"]),
    "Cyrl": (["Андрій", "Олена", "Тарас", "Марія", "Олег", "Ірина", "Софія", "Іван", "Наталія", "Дмитро"],
             ["Коваленко", "Шевченко", "Мельник", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Лисенко",
              "Бойко", "Петренко"]),
    "Ethi": (["ዮናስ", "ሰላም", "ሙሉጌታ", "ትዕግስት", "ኣበበ", "ሄለን", "ዳዊት", "ማርታ"],
             ["ተስፋይ", "በቀለ", "ሃይለ", "ገብረ", "ወልደ", "ኪዳነ", "ተክለ", "መንግስቱ"]),
}
_SCRIPTS = ["Latn", "Latn", "Arab", "Cyrl", "Ethi"]


def synthetic_items(count: int, *, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """`count` varied case_open item dicts (names in four scripts), reproducible by seed."""
    rng = random.Random(seed)
    causes = ["conflict", "disaster", "migration", "detention", "family_breakdown", "other"]
    relationships = ["parent", "child", "sibling", "spouse", "grandparent", "cousin"]
    for n in range(count):
        given, family = SYNTHETIC_NAMES[rng.choice(_SCRIPTS)]
        sought_script = rng.choice(_SCRIPTS)
        sgiven, sfamily = SYNTHETIC_NAMES[sought_script]
        yield {
            "enquirer": {"names": [_name(rng.choice(given), rng.choice(family), "Latn")],
                         "phone": f"+31 6 {20000000 + n % 500}"},
            "sought": [{
                "names": [_name(rng.choice(sgiven), rng.choice(sfamily), sought_script)],
                "relationship": rng.choice(relationships), "sex": rng.choice(["female", "male"]),
                "birth_date": f"~{rng.randint(1940, 2015)}",
                "places": [{"place": "Last seen near the border", "country": "SO"}],
            }],
            "separation_cause": rng.choice(causes),
            "separation_date": f"{rng.randint(1990, 2025)}",
            "separation_circumstances": "Synthetic benchmark case.",
            "languages": ["en"],
            "priority": rng.choice([2, 3, 3, 3]),
        }


def _synthetic_part(code: str, count: int, batch_size: int, part: int, started: float,
                    write: Callable[[str], Any] | None) -> BulkResult:
    """One process's share of `seed_demo --cases`, with progress lines.

    A forked child opens its own connection: the parent closed its connections before forking.
    """
    user = get_user_model().objects.get(username=_username(code, Role.CASEWORKER))
    write = write or (lambda line: print(line, flush=True))

    def progress(result: BulkResult) -> None:
        elapsed = time.perf_counter() - started
        write(f"  [{part}] {result.count:>9,} / {count:,} cases  ({elapsed:,.0f} s)")

    return cases_bulk_create(acting_user=user, items=synthetic_items(count, seed=2026 + part),
                             batch_size=batch_size, on_batch=progress)


class Command(BaseCommand):
    help = "Create demo offices, one login per role, and cases in every workflow state (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=0,
                            help="Instead of the demo cases, add this many synthetic cases (benchmarks).")
        parser.add_argument("--office", default="NL", help="Office of the synthetic cases (default NL).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--workers", type=int, default=2, help="Processes for --cases (PostgreSQL only).")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password of every demo login.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates logins with a published password; it refuses to run in production.")
        offices = self._offices_and_users(options["password"])
        if options["cases"]:
            self._synthetic(offices, options["office"].upper(), options["cases"], options["batch_size"],
                            options["workers"])
        else:
            # Demo notifications are delivered into memory, so seeding prints no e-mails.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                for demo in OFFICES:
                    self._demo_cases(demo, offices)
        self._print_logins(options["password"])

    def _offices_and_users(self, password: str) -> dict[str, Office]:
        offices: dict[str, Office] = {}
        with transaction.atomic():
            for demo in OFFICES:
                office, _created = Office.objects.update_or_create(
                    code=demo.code,
                    defaults={"name": demo.name, "country": demo.country, "languages": demo.languages,
                              "timezone": demo.timezone, "contact_email": f"tracing-{demo.code.lower()}@demo.invalid"},
                )
                offices[demo.code] = office
                for role in ROLE_SLUGS:
                    _ensure_user(_username(demo.code, role), office, role, password)
            _ensure_user(NETWORK_AUDITOR, offices["NL"], Role.AUDITOR, password, network_wide=True)
        return offices

    def _demo_cases(self, demo: DemoOffice, offices: dict[str, Office]) -> None:
        office = offices[demo.code]
        if AuditEvent.objects.filter(event_type="demo.seeded", office_id=office.pk).exists():
            self.stdout.write(f"{demo.code}: demo cases already present")
            return
        users = {role: get_user_model().objects.get(username=_username(demo.code, role)) for role in ROLE_SLUGS}
        people = PEOPLE[demo.code]
        with transaction.atomic():
            cases: dict[str, Case] = {}
            for n, state in enumerate(State.values):
                case = case_open(acting_user=users[Role.CASEWORKER], **_case_data(demo, people[n % len(people)], n))
                sought = case.persons.get(role=PersonRole.SOUGHT)
                for kind, name, role, reason in PATHS[state]:
                    actor = users[role]
                    if kind == "transition":
                        case_transition(acting_user=actor, case_id=case.id, transition=name, reason=reason)
                    elif kind == "consent":
                        consent_record(acting_user=actor, case_id=case.id, person_id=sought.id, scope=name,
                                       source="phone")
                    else:
                        contact_disclose(acting_user=actor, case_id=case.id, person_id=sought.id, kind=name,
                                         content=DISCLOSURES[name])
                case.refresh_from_db()
                if case.state != state:
                    raise CommandError(f"demo case {case.reference} reached {case.state}, not {state}")
                cases[state] = case
            note_add(acting_user=users[Role.CASEWORKER], case_id=cases[State.SEARCHING].id, visibility="internal",
                     body="Called the enquirer: they remember a cousin in the last known town.")
            note_add(acting_user=users[Role.CASEWORKER], case_id=cases[State.LOCATED].id, visibility="shareable",
                     body="A partner volunteer met the sought person; consent visit planned.")
            self._share(cases[State.SEARCHING], users[Role.SUPERVISOR], offices, demo.code)
            record_event(event_type="demo.seeded", actor=None, office=office, data={"cases": len(cases)})
        self.stdout.write(f"{demo.code}: {len(cases)} demo cases, one in every workflow state")

    def _share(self, case: Case, supervisor: Any, offices: dict[str, Office], code: str) -> None:
        """Share the searching case with the next office, as a tracing request."""
        codes = [o.code for o in OFFICES]
        partner = offices[codes[(codes.index(code) + 1) % len(codes)]]
        sought = case.persons.get(role=PersonRole.SOUGHT)
        request_send(acting_user=supervisor, case_id=case.id, to_office_id=partner.pk, sought_person_id=sought.id,
                     question="Please check the registration lists of the camps in your area.",
                     due_date=timezone.localdate() + timedelta(days=21))

    def _synthetic(self, offices: dict[str, Office], code: str, count: int, batch_size: int, workers: int) -> None:
        if code not in offices:
            raise CommandError(f"unknown office {code}; choose one of {', '.join(offices)}")
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            # SQLite has one writer at a time, and an open transaction (a test) cannot be
            # shared with other processes: one process then.
            workers = 1
        workers = max(1, min(workers, count // batch_size or 1))
        started = time.perf_counter()
        if workers == 1:
            result = _synthetic_part(code, count, batch_size, 0, started, self.stdout.write)
            first, last = result.first_reference, result.last_reference
        else:
            # Encryption and indexing are CPU-bound Python: one process per core. Each part is
            # its own run of the bulk action (own batches, references and audit events).
            connections.close_all()  # children must not share the parent's connection
            shares = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                parts = pool.starmap(
                    _synthetic_part, [(code, n, batch_size, i, started, None) for i, n in enumerate(shares)]
                )
            # NL-2026-99999 < NL-2026-100000: order references by length first.
            first = min((p.first_reference for p in parts), key=lambda r: (len(r), r))
            last = max((p.last_reference for p in parts), key=lambda r: (len(r), r))
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{count:,} synthetic cases in {code} ({first} … {last}) in {elapsed:.1f} s "
                          f"({count / elapsed:,.0f} cases/s, {workers} process{'es' if workers > 1 else ''})")

    def _print_logins(self, password: str) -> None:
        out = self.stdout.write
        out("")
        out(f"Demo logins (every one has the password: {password})")
        out(f"  {'office':<8}" + "".join(f"{ROLE_SLUGS[r]:<18}" for r in ROLE_SLUGS))
        for demo in OFFICES:
            out(f"  {demo.code:<8}" + "".join(f"{_username(demo.code, r):<18}" for r in ROLE_SLUGS))
        out(f"  network-wide auditor: {NETWORK_AUDITOR}")
        if settings.TRACING_REQUIRE_OTP:
            out("Two-factor authentication is ON: supervisors, administrators and auditors must add a TOTP device.")
        else:
            out("Two-factor authentication is relaxed in this embedded demo (TRACING_REQUIRE_OTP is off); "
                "production requires it for supervisors, office administrators and auditors.")
