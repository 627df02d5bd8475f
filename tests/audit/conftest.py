"""Fixtures of the audit tests: an office, staff users, and a guard that no event written
by any audit test holds a plaintext name from the shared sample case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save

from audit.models import AuditEvent
from tests.factories import sample_case_data
from tracing.models import Office, Role, StaffProfile


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


#: Every personal string of the sample case, and each of its words of 4+ letters.
_SAMPLE = sample_case_data()
PLAINTEXT = sorted(
    {s for s in _strings([_SAMPLE["enquirer"], _SAMPLE["sought"]]) if len(s) > 3}
    | {w for s in _strings(_SAMPLE["enquirer"]["names"] + _SAMPLE["sought"][0]["names"])
       for w in s.split() if len(w) > 3}
    - {"primary", "transliteration", "Latn", "Arab", "sibling", "male"}
)


def plaintext_in(event: AuditEvent) -> list[str]:
    """The sample case's personal strings that appear anywhere in the event's columns."""
    text = json.dumps(event.hashed_columns(), default=str, ensure_ascii=False).casefold()
    return [s for s in PLAINTEXT if s.casefold() in text]


@pytest.fixture(autouse=True)
def _no_plaintext_in_events() -> Iterator[list[str]]:
    found: list[str] = []

    def check(sender: Any, instance: AuditEvent, **kwargs: Any) -> None:
        found.extend(f"event {instance.seq}: {s}" for s in plaintext_in(instance))

    post_save.connect(check, sender=AuditEvent, dispatch_uid="audit-test-plaintext")
    yield found
    post_save.disconnect(sender=AuditEvent, dispatch_uid="audit-test-plaintext")
    assert not found, f"plaintext personal data in audit events: {found}"


@pytest.fixture
def office(db: Any) -> Office:
    return Office.objects.create(code="NL", name="Netherlands office", country="NL")


@pytest.fixture
def other_office(db: Any) -> Office:
    return Office.objects.create(code="KE", name="Kenya office", country="KE")


def make_staff(username: str, office: Office, role: str = Role.CASEWORKER) -> Any:
    user = get_user_model().objects.create_user(username=username)
    StaffProfile.objects.create(user=user, office=office, role=role)
    return user


@pytest.fixture
def caseworker(office: Office) -> Any:
    return make_staff("cw_audit", office)


@pytest.fixture
def auditor(office: Office) -> Any:
    return make_staff("aud_audit", office, Role.AUDITOR)
