"""Candidate generation through the blind indexes, network-wide (a system process).

For a person, the index values it is stored under (`matching.keys.person_index_values`) are
hashed under every active index key version; persons of other cases sharing terms are ranked
by the weight of what they share, the best `limit` are decrypted and scored with the engine.
Truncated terms collide on purpose (tracing.crypto.blind), which is harmless here: every
candidate is decrypted and scored, and a collision scores like the stranger it is.
What a *user* then sees of the proposals is filtered by the policy (matching.selectors).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from cases.indexing import person_index_terms
from cases.models import Person, PersonSearchTerm
from matching.records import PersonRecord
from matching.records_db import person_record, persons_for_records
from matching.scoring import ScoredPair, Weights, load_weights, score_pair
from tracing.crypto import blind

CANDIDATE_LIMIT = 200
# What a shared term is worth for ranking. full_name and phone are blocking rules on their
# own; a token counts with its phonetic codes (2 + 2 x 1 = 4), two tokens or a token with the
# birth year (year_token) pass MIN_WEIGHT, one token alone does not (docs/matching.md, Blocking).
INDEX_WEIGHTS = {"full_name": 8, "phone": 8, "year_token": 4, "token": 2, "phonetic": 1}
MIN_WEIGHT = 5
# A term carried by more rows than this (Mohammed in a Somali caseload) is not ranked on by
# itself: it would pull thousands of candidates; the year_token of the same name still counts.
FREQUENT_TERM_ROWS = 2000
FREQUENT_INDEXES = ("token", "phonetic")
TERM_COUNT_CACHE_SECONDS = 3600


@dataclass
class CandidateTiming:
    terms: int = 0
    dropped_frequent: int = 0
    candidates: int = 0
    lookup_ms: float = 0.0
    decrypt_ms: float = 0.0
    score_ms: float = 0.0


@dataclass
class ScoredCandidate:
    person: Person
    scored: ScoredPair
    record: PersonRecord


@dataclass
class CandidateResult:
    record: PersonRecord
    scored: list[ScoredCandidate] = field(default_factory=list)
    timing: CandidateTiming = field(default_factory=CandidateTiming)


def person_terms(person: Person) -> dict[tuple[str, str], str]:
    """(index, term) -> index, exactly the terms the person is stored under, for every active
    index key version (during an index rebuild, candidates may still carry only old terms)."""
    return {
        (row.index, row.term): row.index
        for version in blind.active_versions()
        for row in person_index_terms(person, version=version)
    }


def _terms_q(terms: list[tuple[str, str]]) -> Q:
    q = Q()
    for index, term in terms:
        q |= Q(index=index, term=term)
    return q


def _frequent_terms(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Terms carried by more than FREQUENT_TERM_ROWS rows.

    Counting a common name's rows costs as much as ranking on them, so counts are cached
    (an hour: name frequencies move slowly; terms are blind, never plaintext).
    """
    if not keys:
        return set()
    cache_keys = {f"match:tf:{index}:{term}": (index, term) for index, term in keys}
    counts = {cache_keys[k]: n for k, n in cache.get_many(list(cache_keys)).items()}
    missing = [k for k in keys if k not in counts]
    if missing:
        fresh = dict.fromkeys(missing, 0)
        rows = (PersonSearchTerm.objects.filter(_terms_q(missing)).values("index", "term")
                .annotate(n=Count("id")).order_by())
        for row in rows:
            fresh[(row["index"], row["term"])] = row["n"]
        cache.set_many({f"match:tf:{i}:{t}": n for (i, t), n in fresh.items()}, TERM_COUNT_CACHE_SECONDS)
        counts.update(fresh)
    return {k for k, n in counts.items() if n > FREQUENT_TERM_ROWS}


def ranked_candidate_ids(
    person: Person,
    terms: dict[tuple[str, str], str],
    *,
    limit: int = CANDIDATE_LIMIT,
    timing: CandidateTiming | None = None,
) -> list:
    """Ids of persons of other cases sharing terms, best shared weight first (at most `limit`)."""
    timing = timing or CandidateTiming()
    keys = list(terms)
    timing.terms = len(keys)
    if not keys:
        return []
    frequent = _frequent_terms([k for k in keys if k[0] in FREQUENT_INDEXES])
    timing.dropped_frequent = len(frequent)
    keys = [k for k in keys if k not in frequent]
    if not keys:
        return []
    weight = Case(
        *[When(index=ix, then=Value(w)) for ix, w in INDEX_WEIGHTS.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        PersonSearchTerm.objects.filter(_terms_q(keys))
        # The few persons of the same case by id: a join on the person table would make
        # PostgreSQL hash every person (a sequential scan) on each query.
        .exclude(person_id__in=list(Person.objects.filter(case_id=person.case_id).values_list("pk", flat=True)))
        .values("person_id")
        .annotate(w=Sum(weight))
        .filter(w__gte=MIN_WEIGHT)
        .order_by("-w", "person_id")[:limit]
    )
    return [r["person_id"] for r in rows]


def find_candidates(
    person: Person, *, limit: int = CANDIDATE_LIMIT, weights: Weights | None = None, extra_ids: list | None = None
) -> CandidateResult:
    """Score `person` against its ranked candidates (plus `extra_ids`, e.g. partners of open
    proposals, so a proposal whose score fell is re-examined). Returns only pairs the engine
    scores at or above `possible`, each ordered as stored (lower id first)."""
    weights = weights or load_weights()
    started = time.perf_counter()
    record = person_record(person)
    result = CandidateResult(record=record)
    terms = person_terms(person)
    ids = ranked_candidate_ids(person, terms, limit=limit, timing=result.timing)
    ids = list(dict.fromkeys([*ids, *(extra_ids or [])]))
    looked_up = time.perf_counter()
    result.timing.lookup_ms = (looked_up - started) * 1000
    others = list(
        persons_for_records(Person.objects.filter(pk__in=ids, erased_at__isnull=True).exclude(case_id=person.case_id))
    )
    records = [(other, person_record(other)) for other in others]
    decrypted = time.perf_counter()
    result.timing.decrypt_ms = (decrypted - looked_up) * 1000
    result.timing.candidates = len(records)
    for other, other_record in records:
        left, right = (record, other_record) if str(person.pk) < str(other.pk) else (other_record, record)
        scored = score_pair(left, right, weights)
        if scored.decision is not None:
            result.scored.append(ScoredCandidate(person=other, scored=scored, record=other_record))
    result.timing.score_ms = (time.perf_counter() - decrypted) * 1000
    return result
