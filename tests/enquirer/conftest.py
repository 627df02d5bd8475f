"""Cases walked to the stages the public pages care about, codes issued, signed-in clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from audit.models import AuditEvent
from cases.actions import case_transition, consent_record, contact_disclose
from cases.models import Case, Person
from tracing.public.actions import IssuedAccess, enquirer_access_issue, found_access_issue

#: Words of the sought person in sample_case_data: none may reach the enquirer without consent.
SOUGHT_WORDS = ("Mohammed", "Hassan", "محمد", "Kismayo", "Dadaab")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate-limit and lock counters live in the cache: every test starts from none.
    cache.clear()


def walk(personas: Any, case: Case, *names: str, **kwargs: Any) -> Case:
    """Move a case along real transitions (supervisor for supervisor-only steps)."""
    from cases.workflow import TRANSITIONS
    from tracing.models import Role

    for name in names:
        spec = TRANSITIONS[name]
        user = personas.caseworker if Role.CASEWORKER in spec.roles else personas.supervisor
        reason = kwargs.get(name, spec.reasons.values[0] if spec.reasons else "")
        case_transition(acting_user=user, case_id=case.id, transition=name, reason=reason)
    case.refresh_from_db()
    return case


@pytest.fixture
def accepted_case(personas: Any, open_case: Case) -> Case:
    return walk(personas, open_case, "start_review", "accept")


@pytest.fixture
def located_case(personas: Any, accepted_case: Case) -> Case:
    return walk(personas, accepted_case, "start_search", "mark_located", "request_consent")


def sought(case: Case) -> Person:
    return case.persons.get(role="sought")


def enquirer(case: Case) -> Person:
    return case.persons.get(role="enquirer")


@pytest.fixture
def issued(personas: Any, accepted_case: Case) -> IssuedAccess:
    return enquirer_access_issue(acting_user=personas.caseworker, case_id=accepted_case.id, channel="letter")


@pytest.fixture
def found_issued(personas: Any, located_case: Case) -> IssuedAccess:
    return found_access_issue(acting_user=personas.caseworker, case_id=located_case.id,
                              person_id=sought(located_case).id, channel="letter")


def sign_in(client: Client, issued: IssuedAccess, *, code: str | None = None, path: str = "/status/",
            **extra: Any) -> Any:
    return client.post(path, {"reference": issued.login, "code": code or issued.code_display}, **extra)


@pytest.fixture
def enquirer_client(issued: IssuedAccess) -> Client:
    c = Client()
    response = sign_in(c, issued)
    assert response.status_code == 302 and response["Location"] == "/status/case/"
    return c


@pytest.fixture
def found_client(found_issued: IssuedAccess) -> Client:
    c = Client()
    response = sign_in(c, found_issued, path="/consent/")
    assert response.status_code == 302 and response["Location"] == "/consent/answer/"
    return c


def give_consent(personas: Any, case: Case, scope: str) -> Any:
    return consent_record(acting_user=personas.caseworker, case_id=case.id, person_id=sought(case).id,
                          scope=scope, source="phone")


def disclose(personas: Any, case: Case, kind: str, content: str) -> Any:
    return contact_disclose(acting_user=personas.caseworker, case_id=case.id, person_id=sought(case).id,
                            kind=kind, content=content)


def events(case: Case | None, prefix: str) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(event_type__startswith=prefix).order_by("seq")
    return list(qs.filter(case_id=str(case.id)) if case is not None else qs)


def text_of(response: Any) -> str:
    return response.content.decode()
