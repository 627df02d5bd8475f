"""Candidate generation through the blind indexes, network-wide (a system process).

For a person, the index values it is stored under (`matching.keys.person_index_values`) are
hashed under every active index key version; persons of other cases sharing terms are ranked
by the weight of what they share, the best `limit` are decrypted and scored with the engine.
Truncated terms collide on purpose (tracing.crypto.blind), which is harmless here: every
candidate is decrypted and scored, and a collision scores like the stranger it is.
What a *user* then sees of the proposals is filtered by the policy (matching.selectors).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection

from cases.indexing import person_index_names, person_index_terms
from cases.models import Person, PersonMatchRecord, PersonSearchTerm
from matching.features import features
from matching.keys import name_index_values
from matching.records import PersonRecord
from matching.records_db import load_for_records, person_record, record_from_stored
from matching.scoring import ScoredPair, Weights, score_features
from matching.weights import active_weights
from tracing.crypto import blind

logger = logging.getLogger(__name__)

# K: candidates decrypted and scored per query, best ranked first (plus the partners of open
# proposals). Decryption is most of a query's CPU. Measured at 100,000 persons (docs/matching.md,
# Phase 4): K = 50 / 100 / 200 gave recall 0.87 / 0.91 / 0.93 at CPU medians 24 / 39 / 66 ms.
CANDIDATE_LIMIT = 100
# What a shared term is worth for ranking. full_name, phone and a name_pair are blocking rules
# on their own (two name parts together, whatever their frequency); a token counts with its
# phonetic codes (2 + 2 x 1 = 4), two tokens or a token with the birth year (year_token) pass
# MIN_WEIGHT, one token alone does not (docs/matching.md, Blocking).
INDEX_WEIGHTS = {"full_name": 8, "phone": 8, "name_pair": 5, "year_token": 4, "token": 2, "phonetic": 1}
MIN_WEIGHT = 5
# A term carried by more rows than this (Mohammed in a Somali caseload) is not ranked on by
# itself: it would pull thousands of candidates; the year_token and the name_pair terms of the
# same name still count (a pair is capped by MAX_TERM_ROWS only: it is what keeps two common
# parts together selective).
# 5,000 trades recall for lookup time (measured at 100,000 persons: docs/matching.md, Phase 3).
FREQUENT_TERM_ROWS = 5000
FREQUENT_INDEXES = ("token", "phonetic")
# Any other term (a full name, a name with its birth year) shared by more rows than this says
# little about a person and would make one query aggregate a large share of the index.
MAX_TERM_ROWS = 20_000
# How long a term found over its cap is taken to stay so without counting it again.
FREQUENT_CACHE_SECONDS = 600
# Birth years either side of the sought person's own that its year_token terms also look for.
MATCH_YEAR_TOLERANCE = 1


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
    person_id: str
    role: str
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


def search_terms(person: Person) -> dict[tuple[str, str], str]:
    """The person's stored terms plus `year_token` terms of the neighbouring birth years.

    A stored person carries its own year only; the year is often an estimate on one side
    (an age guessed at interview), and among many persons sharing a common name the birth
    year is what the ranking can still tell apart. ±1 year ranked 2.7 points more of the true pairs
    within the best 50 at 100,000 persons (±2 no better: docs/matching.md, Phase 4).
    """
    terms = person_terms(person)
    if not person.birth_date or not MATCH_YEAR_TOLERANCE:
        return terms
    year = person.birth_date.year
    years = [y for y in range(year - MATCH_YEAR_TOLERANCE, year + MATCH_YEAR_TOLERANCE + 1) if y != year]
    values = name_index_values(person_index_names(person), years)["year_token"]
    for version in blind.active_versions():
        for value in values:
            terms[("year_token", blind.term("year_token", value, version=version))] = "year_token"
    return terms


def _sql_values(rows: list[tuple], width: int) -> str:
    return ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))


def _cap(index: str) -> int:
    return FREQUENT_TERM_ROWS if index in FREQUENT_INDEXES else MAX_TERM_ROWS


def _frequent_key(key: tuple[str, str]) -> str:
    # The cap is part of the key: a term is "too common" only for the cap it was counted under.
    return f"match:frequent:{key[0]}:{key[1]}:{_cap(key[0])}"


def _term_rows(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Rows per term, counted only up to the term's cap + 1, in one query.

    Counting a common name's rows in full costs as much as ranking on them; a count that
    stops at the cap reads at most cap + 1 index entries (index-only on PostgreSQL, see
    matching/migrations/0002). Even so, at a million persons most of a query's counting is
    of the few hundred terms over their cap (every common name's token and phonetic codes,
    5,001 entries each): those are remembered in the cache for FREQUENT_CACHE_SECONDS (only
    that they are too common: a blind term and a flag, nothing personal). A term that falls
    under its cap meanwhile is left out of the ranking until the entry expires.
    """
    if not keys:
        return {}
    known = _cached_frequent([_frequent_key(k) for k in keys])
    counts = {k: _cap(k[0]) + 1 for k in keys if _frequent_key(k) in known}
    rest = [k for k in keys if k not in counts]
    if not rest:
        return counts
    table = connection.ops.quote_name(PersonSearchTerm._meta.db_table)
    index_col = connection.ops.quote_name("index")
    parts, params = [], []
    for index, term in rest:
        parts.append(
            f"SELECT %s, %s, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} s WHERE s.term = %s"
            f" AND s.{index_col} = %s LIMIT {int(_cap(index)) + 1}) c)"
        )
        params += [index, term, term, index]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counted = {(row[0], row[1]): row[2] for row in cursor.fetchall()}
    frequent = {_frequent_key(k): 1 for k, n in counted.items() if n > _cap(k[0])}
    if frequent:
        _remember_frequent(frequent)
    return counts | counted


# The cache only saves counting: when it fails (Redis down), every term is counted, matching
# goes on. Any error, because each cache backend raises its own.
def _cached_frequent(keys: list[str]) -> dict[str, int]:
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001
        logger.warning("frequent-term cache unavailable; counting every term", exc_info=True)
        return {}


def _remember_frequent(entries: dict[str, int]) -> None:
    try:
        cache.set_many(entries, FREQUENT_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("frequent-term cache unavailable; not remembered", exc_info=True)


def _rarity_weight(index: str, rows: int) -> float:
    """Ranking weight of a shared term: its index weight, times more the fewer rows carry it.

    Among hundreds of persons sharing a common name and birth year, the one who also shares a
    rare grandfather's name is the likelier match (inverse document frequency); whether a
    person is a candidate at all still depends on the plain index weights (MIN_WEIGHT).
    """
    return round(INDEX_WEIGHTS.get(index, 0) * math.log2(2 + MAX_TERM_ROWS / max(1, rows)), 3)


def _too_common(key: tuple[str, str], rows: int) -> bool:
    return rows > _cap(key[0])


def ranked_candidate_ids(
    person: Person,
    terms: dict[tuple[str, str], str],
    *,
    limit: int = CANDIDATE_LIMIT,
    timing: CandidateTiming | None = None,
) -> list:
    """Ids of persons of other cases sharing terms, best shared weight first (at most `limit`).

    Two queries: the terms' (capped) row counts, then one aggregation over the postings of the
    terms kept, joined from a VALUES list that carries each term's weight. The few persons of
    the same case are left out by id (a join on the person table would scan every person).
    """
    timing = timing or CandidateTiming()
    keys = list(terms)
    timing.terms = len(keys)
    if not keys:
        return []
    counts = _term_rows(keys)
    frequent = {k for k in keys if _too_common(k, counts[k])}
    timing.dropped_frequent = len(frequent)
    # A term no row carries (e.g. of an index key version not stored yet) ranks nothing.
    kept = [
        (ix, t, INDEX_WEIGHTS.get(ix, 0), _rarity_weight(ix, counts[(ix, t)]))
        for ix, t in keys
        if (ix, t) not in frequent and counts[(ix, t)]
    ]
    if not kept:
        return []
    table = connection.ops.quote_name(PersonSearchTerm._meta.db_table)
    persons = connection.ops.quote_name(Person._meta.db_table)
    index_col = connection.ops.quote_name("index")
    case_id = Person._meta.get_field("case").get_db_prep_value(person.case_id, connection)
    sql = (
        f"WITH v (ix, term, w, r) AS (VALUES {_sql_values(kept, 4)}) "
        f"SELECT t.person_id, SUM(v.r) AS rank FROM v JOIN {table} t ON t.term = v.term AND t.{index_col} = v.ix "
        f"WHERE t.person_id NOT IN (SELECT p.id FROM {persons} p WHERE p.case_id = %s) "
        f"GROUP BY t.person_id HAVING SUM(v.w) >= %s ORDER BY rank DESC, t.person_id LIMIT %s"
    )
    params = [value for row in kept for value in row] + [case_id, MIN_WEIGHT, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    to_python = Person._meta.pk.to_python
    return [to_python(row[0]) for row in rows]


def candidate_records(person: Person, ids: list) -> list[tuple[str, str, PersonRecord]]:
    """(id, role, record) of the candidates `ids` outside the person's case, not erased.

    Each from its match record: one row and one value to open. A person stored before match
    records existed (until `index_persons --match-records` has run) is read the long way,
    from the person, its names and places.
    """
    rows = list(
        PersonMatchRecord.objects.filter(pk__in=ids).exclude(case_id=person.case_id).select_related("data_key")
    )
    found = [(str(row.pk), row.role, record_from_stored(row.pk, row.record)) for row in rows]
    # Erased persons have no match record either; the query below leaves them out.
    missing = set(ids) - {row.pk for row in rows}
    if missing:
        others = load_for_records(
            Person.objects.filter(pk__in=missing, erased_at__isnull=True).exclude(case_id=person.case_id)
        )
        found += [(str(other.pk), other.role, person_record(other)) for other in others]
    return found


def find_candidates(
    person: Person, *, limit: int = CANDIDATE_LIMIT, weights: Weights | None = None, extra_ids: list | None = None
) -> CandidateResult:
    """Score `person` against its ranked candidates (plus `extra_ids`, e.g. partners of open
    proposals, so a proposal whose score fell is re-examined). Returns only pairs the engine
    scores at or above `possible`, each ordered as stored (lower id first)."""
    weights = weights or active_weights()
    started = time.perf_counter()
    record = person_record(person)
    result = CandidateResult(record=record)
    terms = search_terms(person)
    ids = ranked_candidate_ids(person, terms, limit=limit, timing=result.timing)
    ids = list(dict.fromkeys([*ids, *(extra_ids or [])]))
    looked_up = time.perf_counter()
    result.timing.lookup_ms = (looked_up - started) * 1000
    records = candidate_records(person, ids)
    decrypted = time.perf_counter()
    result.timing.decrypt_ms = (decrypted - looked_up) * 1000
    result.timing.candidates = len(records)
    mine = features(record)  # once, not once per pair
    for other_id, role, other_record in records:
        theirs = features(other_record)
        left, right = (mine, theirs) if str(person.pk) < other_id else (theirs, mine)
        scored = score_features(left, right, weights)
        if scored.decision is not None:
            result.scored.append(ScoredCandidate(person_id=other_id, role=role, scored=scored, record=other_record))
    result.timing.score_ms = (time.perf_counter() - decrypted) * 1000
    return result
