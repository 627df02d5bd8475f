"""Candidate generation through the blind indexes: ranking, frequent terms, same case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from cases.actions import case_open
from cases.models import PersonSearchTerm
from matching import candidates
from matching.candidates import find_candidates, person_terms, ranked_candidate_ids
from matching.records_db import persons_for_records
from tests.matching.db_helpers import open_kenya_case, sought, stranger_case_data

pytestmark = pytest.mark.django_db


def _loaded(person: Any) -> Any:
    return persons_for_records(type(person).objects.filter(pk=person.pk)).get()


def test_terms_are_the_stored_ones_and_rank_the_same_man_first(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    case_open(acting_user=personas.outsider, **stranger_case_data())
    home = _loaded(sought(open_case))
    terms = person_terms(home)
    stored = set(PersonSearchTerm.objects.filter(person=home).values_list("index", "term"))
    assert set(terms) == stored
    ranked = ranked_candidate_ids(home, terms)
    assert ranked[0] == sought(kenya).pk
    assert not set(ranked) & set(open_case.persons.values_list("pk", flat=True))
    result = find_candidates(home)
    assert [c.person_id for c in result.scored] == [str(sought(kenya).pk)]
    assert result.scored[0].scored.decision == "likely"


def test_frequent_terms_are_not_ranked_on_but_the_full_name_still_finds(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kenya = open_kenya_case(personas)
    cache.clear()
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)  # every token and phonetic term is "frequent"
    home = _loaded(sought(open_case))
    timing = candidates.CandidateTiming()
    assert ranked_candidate_ids(home, person_terms(home), timing=timing) == [sought(kenya).pk]
    assert timing.dropped_frequent == sum(1 for ix, _t in person_terms(home) if ix in ("token", "phonetic"))
    cache.clear()


def test_a_term_of_any_index_carried_by_too_many_rows_is_left_out(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_kenya_case(personas)
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)
    monkeypatch.setattr(candidates, "MAX_TERM_ROWS", 0)  # full_name and year_token too
    home = _loaded(sought(open_case))
    timing = candidates.CandidateTiming()
    assert ranked_candidate_ids(home, person_terms(home), timing=timing) == []
    assert timing.dropped_frequent == timing.terms == len(person_terms(home))


def test_rarer_shared_terms_weigh_more_in_the_order() -> None:
    weight = candidates._rarity_weight
    assert weight("token", 1) > weight("token", 100) > weight("token", 5000) > weight("token", 20_000) > 0
    assert weight("full_name", 50) == 4 * weight("token", 50)  # the index weights still scale it
    assert weight("unknown", 1) == 0
