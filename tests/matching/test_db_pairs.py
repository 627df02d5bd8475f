"""Phase 4: the name_pair blind index, the bound on decrypted candidates, re-indexing stored persons."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from cases.actions import case_open
from cases.indexing import index_extend, person_index_terms
from cases.models import Person, PersonSearchTerm
from matching import candidates
from matching.candidates import CandidateTiming, find_candidates, person_terms, ranked_candidate_ids, search_terms
from matching.keys import person_index_values
from matching.records_db import persons_for_records
from tests.matching.db_helpers import kenya_case_data, open_kenya_case, sought

pytestmark = pytest.mark.django_db


def _loaded(person: Person) -> Person:
    return persons_for_records(Person.objects.filter(pk=person.pk)).get()


def _kenya_with_a_fourth_part(personas: Any) -> Any:
    """The same man with his grandfather's name added and another birth year: no full_name or
    year_token term in common with the home record, only name parts (and their pairs)."""
    data = kenya_case_data(
        names=[{"given_names": "Maxamed Cabdi", "family_name": "Xasan Warsame", "kind": "primary"}],
        birth_date="1984",
    )
    return case_open(acting_user=personas.partner_caseworker, **data)


def test_a_pair_of_frequent_parts_still_finds_the_candidate(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kenya = _kenya_with_a_fourth_part(personas)
    home = _loaded(sought(open_case))
    stored = set(PersonSearchTerm.objects.filter(person=sought(kenya)).values_list("index", "term"))
    shared = {key for key in person_terms(home) if key in stored}
    assert {ix for ix, _t in shared} == {"token", "phonetic", "name_pair"}
    # Every part is "frequent" (carried by more rows than the cap): tokens and codes drop out.
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)
    timing = CandidateTiming()
    assert ranked_candidate_ids(home, person_terms(home), timing=timing) == [sought(kenya).pk]
    assert timing.dropped_frequent == sum(1 for ix, _t in person_terms(home) if ix in ("token", "phonetic"))
    # Without the pair index the same search finds nobody: the pairs are what found him.
    no_pairs = {ix: w for ix, w in candidates.INDEX_WEIGHTS.items() if ix != "name_pair"}
    monkeypatch.setattr(candidates, "INDEX_WEIGHTS", no_pairs)
    assert ranked_candidate_ids(home, person_terms(home)) == []


def test_a_pair_term_over_the_general_cap_is_left_out(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kenya_with_a_fourth_part(personas)
    monkeypatch.setattr(candidates, "FREQUENT_TERM_ROWS", 0)
    monkeypatch.setattr(candidates, "MAX_TERM_ROWS", 0)  # pairs are capped like full names
    home = _loaded(sought(open_case))
    assert ranked_candidate_ids(home, person_terms(home)) == []


def test_the_search_also_looks_for_the_neighbouring_birth_years(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)  # born 1987; the home record says 1988
    home = _loaded(sought(open_case))
    stored = set(PersonSearchTerm.objects.filter(person=sought(kenya), index="year_token").values_list("index", "term"))
    assert not stored & set(person_terms(home))
    near = stored & set(search_terms(home))
    assert near and set(person_terms(home)) <= set(search_terms(home))
    # ±1 only: a record born two years apart shares no year_token term with the search.
    far = sought(case_open(acting_user=personas.partner_caseworker, **kenya_case_data(birth_date="1986")))
    far_terms = set(PersonSearchTerm.objects.filter(person=far, index="year_token").values_list("index", "term"))
    assert not far_terms & set(search_terms(home))


def test_decrypted_candidates_are_bounded_by_the_limit_plus_open_partners(personas: Any, open_case: Any) -> None:
    kenyans = [sought(open_kenya_case(personas)) for _ in range(4)]
    home = _loaded(sought(open_case))
    assert find_candidates(home).timing.candidates == 4
    limited = find_candidates(home, limit=2)
    assert limited.timing.candidates == 2
    assert len(limited.scored) == 2
    ranked = ranked_candidate_ids(home, person_terms(home), limit=2)
    left_out = next(p.pk for p in kenyans if p.pk not in ranked)
    # The partner of an open proposal is scored again even when it ranks below the limit.
    with_partner = find_candidates(home, limit=2, extra_ids=[left_out])
    assert with_partner.timing.candidates == 3
    assert str(left_out) in {c.person_id for c in with_partner.scored}


def test_index_extend_gives_stored_persons_their_pair_terms(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    before = set(PersonSearchTerm.objects.values_list("person_id", "index", "term"))
    PersonSearchTerm.objects.filter(index="name_pair").delete()  # as stored before the index existed
    others = set(PersonSearchTerm.objects.values_list("person_id", "index", "term"))
    out = StringIO()
    call_command("index_persons", "--index", "name_pair", "--batch", "2", stdout=out)
    assert set(PersonSearchTerm.objects.values_list("person_id", "index", "term")) == before
    assert set(PersonSearchTerm.objects.exclude(index="name_pair").values_list("person_id", "index", "term")) == others
    pairs = PersonSearchTerm.objects.filter(person=sought(kenya), index="name_pair").count()
    # mohammed, abdi, hassan two at a time, and abdi's formal names (abdullah …) with the others
    assert pairs == len(person_index_values(names=["Maxamed Cabdi Xasan"])["name_pair"]) > 3
    event = AuditEvent.objects.get(event_type="index.extended")
    persons = Person.objects.count()
    assert event.data["persons"] == persons and event.data["by_index"]["name_pair"] == event.data["terms"]
    # Running again writes the same rows, not duplicates.
    call_command("index_persons", "--index", "name_pair", stdout=StringIO())
    assert set(PersonSearchTerm.objects.values_list("person_id", "index", "term")) == before
    assert PersonSearchTerm.objects.count() == len(before)
    assert f"{persons} persons" in out.getvalue()


def test_index_extend_resumes_after_the_last_person(personas: Any, open_case: Any) -> None:
    open_kenya_case(personas)
    PersonSearchTerm.objects.filter(index="name_pair").delete()
    first = index_extend(indexes=["name_pair"], limit=1)
    assert first.persons == 1
    rest = index_extend(indexes=["name_pair"], after=first.last)
    assert first.persons + rest.persons == Person.objects.count()
    expected = {
        (t.person_id, t.term) for p in Person.objects.all() for t in person_index_terms(p) if t.index == "name_pair"
    }
    assert set(PersonSearchTerm.objects.filter(index="name_pair").values_list("person_id", "term")) == expected
    with pytest.raises(ValueError):
        index_extend(indexes=["surname_soundex"])
