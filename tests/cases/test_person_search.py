"""person_search: blind-index search by name, misspelling, script and phone, within visibility."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import case_open
from cases.selectors import person_search
from tests.factories import sample_case_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(personas: Any) -> tuple[Any, Any]:
    first = case_open(acting_user=personas.caseworker, **sample_case_data())
    other = sample_case_data()
    other["sought"][0]["names"] = [{"given_names": "Olena", "family_name": "Kovalenko"}]
    other["enquirer"]["phone"] = "+380 44 123 4567"
    second = case_open(acting_user=personas.caseworker, **other)
    return first, second


def _names(hits: list) -> set[str]:
    return {h.person.display_name for h in hits}


def test_exact_name(personas: Any, two_cases: Any) -> None:
    assert _names(person_search(user=personas.caseworker, query="Mohammed Abdi Hassan")) == {"Mohammed Abdi Hassan"}


def test_misspelled_and_swapped_name(personas: Any, two_cases: Any) -> None:
    assert _names(person_search(user=personas.caseworker, query="Hasan Muhamed")) == {"Mohammed Abdi Hassan"}


def test_phone_number(personas: Any, two_cases: Any) -> None:
    hits = person_search(user=personas.caseworker, query="+380441234567")
    assert len(hits) == 1 and hits[0].person.role == "enquirer" and hits[0].case == two_cases[1]


def test_no_false_positive_reaches_the_caller(personas: Any, two_cases: Any) -> None:
    assert person_search(user=personas.caseworker, query="Kovalenko") and all(
        h.person.display_name == "Olena Kovalenko" for h in person_search(user=personas.caseworker, query="Kovalenko")
    )
    assert person_search(user=personas.caseworker, query="Zebedee Quartermaine") == []


def test_outsiders_find_nothing(personas: Any, two_cases: Any) -> None:
    assert person_search(user=personas.outsider, query="Mohammed Abdi Hassan") == []
    assert person_search(user=personas.admin, query="Mohammed Abdi Hassan") == []


def test_search_is_logged_with_blind_terms_only(personas: Any, two_cases: Any) -> None:
    person_search(user=personas.caseworker, query="Kovalenko")
    event = AuditEvent.objects.filter(event_type="access.search").latest("seq")
    assert "Kovalenko" not in str(event.data).lower() and "kovalenko" not in str(event.data).lower()
    assert event.actor_id == personas.caseworker.pk
