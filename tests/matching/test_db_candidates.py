"""Candidate generation through the blind indexes: ranking, frequent terms, same case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def test_a_term_over_its_cap_is_counted_once_then_remembered(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kenya = open_kenya_case(personas)
    cache.clear()
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)  # token and phonetic terms: over the cap
    home = _loaded(sought(open_case))
    terms = person_terms(home)
    frequent = {k for k in terms if k[0] in candidates.FREQUENT_INDEXES}
    with CaptureQueriesContext(connection) as first:
        counts = candidates._term_rows(list(terms))
    assert len(first) == 1 and all(counts[k] == 1 for k in frequent)
    assert all(cache.get(candidates._frequent_key(k)) for k in frequent)
    assert not any(cache.get(candidates._frequent_key(k)) for k in set(terms) - frequent)
    # Counted again: only the terms under their cap (the others come from the cache).
    with CaptureQueriesContext(connection) as second:
        assert candidates._term_rows(list(terms)) == counts
    assert len(second) == 1
    sql = second.captured_queries[0]["sql"]
    assert sql.count("UNION ALL") == len(terms) - len(frequent) - 1
    # The ranking is the same with the cache as without it.
    timing = candidates.CandidateTiming()
    assert ranked_candidate_ids(home, terms, timing=timing) == [sought(kenya).pk]
    assert timing.dropped_frequent == len(frequent)
    # Under another cap the remembered flag does not apply: the terms are counted again.
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 5000)
    with CaptureQueriesContext(connection) as third:
        counts = candidates._term_rows(list(terms))
    assert third.captured_queries[0]["sql"].count("UNION ALL") == len(terms) - 1
    assert all(counts[k] == PersonSearchTerm.objects.filter(index=k[0], term=k[1]).count() for k in frequent)
    cache.clear()


def test_without_the_cache_every_term_is_counted_and_the_ranking_holds(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kenya = open_kenya_case(personas)
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)

    def down(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionError("cache server down")

    monkeypatch.setattr(candidates.cache, "get_many", down)
    monkeypatch.setattr(candidates.cache, "set_many", down)
    home = _loaded(sought(open_case))
    terms = person_terms(home)
    frequent = {k for k in terms if k[0] in candidates.FREQUENT_INDEXES}
    with CaptureQueriesContext(connection) as counted:
        candidates._term_rows(list(terms))
    assert counted.captured_queries[0]["sql"].count("UNION ALL") == len(terms) - 1
    timing = candidates.CandidateTiming()
    assert ranked_candidate_ids(home, terms, timing=timing) == [sought(kenya).pk]
    assert timing.dropped_frequent == len(frequent)
    assert "frequent-term cache unavailable" in caplog.text
