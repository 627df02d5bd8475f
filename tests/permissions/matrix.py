"""Machinery of the permission matrix: personas, one shared world, the URL walk, one request.

The world: a case of the home office (NL), assigned to its caseworker, with an enquirer, a
sought person, an internal and a shareable note and attachment; it is shared with the KE
office at SEARCH level and with a fourth office (UG) at FULL level, each through a tracing
request. Personas: every role of the home office, an outsider office (FR), a caseworker of
each partner office, a signed-in user without a role, and an anonymous visitor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import OfficeFactory, sample_case_data, staff
from tracing.models import Role

#: Short names used in the table, in the order the table lists them.
PERSONAS = ("anon", "nobody", "cw", "sup", "adm", "aud", "out", "ps", "pf")
PERSONA_LABELS = {
    "anon": "anonymous", "nobody": "signed in, no role", "cw": "caseworker (assigned)", "sup": "supervisor",
    "adm": "office administrator", "aud": "auditor", "out": "outsider office", "ps": "partner, SEARCH share",
    "pf": "partner, FULL share",
}
#: Namespaces walked but checked elsewhere: Django admin has a URL per model and action
#: (tests/permissions/test_admin.py); the matrix keeps one row for its index.
DELEGATED_NAMESPACES = {"admin": "tests/permissions/test_admin.py"}

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 32


@dataclass
class World:
    users: dict[str, Any]
    case: Any
    sought: Any
    enquirer: Any
    note_internal: Any
    note_shareable: Any
    attachment_internal: Any
    attachment_shareable: Any
    consent: Any
    request_search: Any
    request_full: Any
    extra: dict[str, Any] = field(default_factory=dict)


def build_world(personas: Any) -> World:
    from cases.actions import attachment_add, case_open, consent_record, note_add
    from tracing.network.actions import request_accept, request_send

    uganda = OfficeFactory(code="UG", name="Uganda office", country="UG")
    users = {
        "anon": None, "nobody": personas.nobody, "cw": personas.caseworker, "sup": personas.supervisor,
        "adm": personas.admin, "aud": personas.auditor, "out": personas.outsider, "ps": personas.partner_caseworker,
        "pf": staff("ug_cw", uganda, Role.CASEWORKER),
    }
    staff("ug_sup", uganda, Role.SUPERVISOR)
    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    sought = case.persons.get(role="sought")
    enquirer = case.persons.get(role="enquirer")
    cw = personas.caseworker
    note_internal = note_add(acting_user=cw, case_id=case.pk, body="Internal: enquirer fragile.", visibility="internal")
    note_shareable = note_add(acting_user=cw, case_id=case.pk, body="Shareable: last seen 2015.",
                              visibility="shareable")
    att_internal = attachment_add(acting_user=cw, case_id=case.pk, filename="internal.png", content=PNG)
    att_shareable = attachment_add(acting_user=cw, case_id=case.pk, filename="photo.png", content=PNG,
                                   person_id=sought.pk, shareable=True)
    consent = consent_record(acting_user=cw, case_id=case.pk, person_id=sought.pk, scope="relay_messages",
                             source="phone")
    # What the public pages bring in for review: an enquirer's submission, a found person's message.
    # Both need a case that was accepted and whose sought person was located.
    from cases.actions import case_transition
    from tracing.public import actions as public

    for actor, step in ((cw, "start_review"), (personas.supervisor, "accept"), (cw, "start_search"),
                        (cw, "mark_located")):
        case_transition(acting_user=actor, case_id=case.pk, transition=step)

    enquirer_access = public.enquirer_access_issue(acting_user=cw, case_id=case.pk, channel="letter").access
    submission = public.enquirer_submission_create(access=enquirer_access, kind="sought_info",
                                                   data={"details": "Seen in Garissa"}, photo=PNG)
    found_access = public.found_access_issue(acting_user=cw, case_id=case.pk, person_id=sought.pk,
                                             channel="letter").access
    message = public.relay_message_send(access=found_access, body="I am well.")
    due = date.today() + timedelta(days=20)  # noqa: DTZ011  (a date well inside the future either way)
    sup = personas.supervisor
    request_search = request_send(acting_user=sup, case_id=case.pk, to_office_id=personas.partner.pk,
                                  sought_person_id=sought.pk, question="Search question for KE.", due_date=due,
                                  share_level="search")
    request_full = request_send(acting_user=sup, case_id=case.pk, to_office_id=uganda.pk,
                                sought_person_id=sought.pk, question="Full question for UG.", due_date=due,
                                share_level="full")
    request_accept(acting_user=users["pf"], request_id=request_full.pk)
    # A match proposal between the sought person and the same person in a KE case.
    from matching.actions import match_person_run
    from matching.models import MatchProposal

    case_open(acting_user=personas.partner_caseworker, **sample_case_data())
    match_person_run(person_id=sought.pk)
    proposal = MatchProposal.objects.filter(state="proposed").first()
    # An auditor's finished background export (the job's task runs here, not after commit).
    from audit import exports
    from audit.selectors import EventFilter

    job = exports.export_start(user=personas.auditor, flt=EventFilter(office_id=personas.home.pk), fmt="csv",
                               total=1)
    exports.export_run(str(job.pk))
    case.refresh_from_db()
    return World(users=users, case=case, sought=sought, enquirer=enquirer, note_internal=note_internal,
                 note_shareable=note_shareable, attachment_internal=att_internal,
                 attachment_shareable=att_shareable, consent=consent, request_search=request_search,
                 request_full=request_full, extra={"france": personas.other, "due": due.isoformat(),
                                                              "submission": submission, "message": message,
                                                              "export": job, "proposal": proposal})


def walk(patterns: list | None = None, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every named URL pattern: (namespaced name, route)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def url_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for name, route in walk():
        if name.split(":")[0] in DELEGATED_NAMESPACES and name != "admin:index":
            continue
        names.setdefault(name, route)
    return names


@dataclass
class Call:
    """How to call one URL: method, reverse() arguments from the world, body, API or page."""

    method: str = "GET"
    args: Callable[[World], list[Any]] = lambda w: []
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    api: bool = False
    fmt: str = "json"
    #: Posted to the same URL first (e.g. the purpose asked before a case opens).
    prepare: dict[str, Any] | None = None


@dataclass
class Outcome:
    status: int
    body: str
    location: str = ""


def _client(world: World, persona: str, api: bool) -> Any:
    """One signed-in client per persona and kind, made outside the per-call savepoint."""
    key = ("client", persona, api)
    if key not in world.extra:
        client: Any = APIClient() if api else Client()
        user = world.users[persona]
        if user is not None:
            if api:
                client.force_authenticate(user)
            else:
                client.force_login(user)
        world.extra[key] = (client, SimpleCookie(client.cookies))
    client, cookies = world.extra[key]
    # Every call starts from the signed-in session: a sign-out (or the role-less user being
    # signed out) inside an earlier call was rolled back in the database, and is here too.
    client.cookies = SimpleCookie(cookies)
    return client


def call(world: World, persona: str, name: str, spec: Call) -> Outcome:
    """One request by one persona, rolled back afterwards so every persona sees the same world."""
    client = _client(world, persona, spec.api)
    with transaction.atomic():
        url = reverse(name, args=spec.args(world))
        if spec.prepare is not None:
            client.post(url, spec.prepare)
        kwargs: dict[str, Any] = {"data": spec.data(world)}
        if spec.api and spec.method != "GET":
            kwargs["format"] = spec.fmt
        response = getattr(client, spec.method.lower())(url, **kwargs)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        outcome = Outcome(response.status_code, body.decode("utf-8", "replace"), response.get("Location", ""))
        transaction.set_rollback(True)
    return outcome


def parse_expect(text: str) -> dict[str, int]:
    """"anon=302 nobody=302 cw=200 ..." → {persona: status}; every persona must be listed."""
    pairs = dict(item.split("=") for item in text.split())
    missing = set(PERSONAS) - set(pairs)
    unknown = set(pairs) - set(PERSONAS)
    if missing or unknown:
        raise ValueError(f"expectation {text!r}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    return {k: int(v) for k, v in pairs.items()}
