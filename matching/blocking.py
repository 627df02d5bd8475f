"""In-memory blocking through the same keys as the blind indexes.

Two records become a candidate pair when they share, through the index values of
matching.keys:
- a `full_name` or `phone` value; or
- a name part (`token` value) and a birth year within ±2 (`year_token`); or
- two or more different name parts; or
- one name part whose value is rare (at most `rare_block` records carry it).
A value carried by more than `max_block` records (Mohammed in a Somali caseload) is too
common to pair on by itself. Each
of these rules is a query the database search can run on the blind indexes too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from matching.features import Features
from matching.keys import QUERY_YEAR_TOLERANCE as YEAR_TOLERANCE
from matching.keys import token_forms
from matching.phonetic import DEFAULT_SCHEME, phonetic_codes

DEFAULT_MAX_BLOCK = 1000
DEFAULT_RARE_BLOCK = 30


@dataclass(frozen=True)
class RecordKeys:
    direct: frozenset[str]  # full_name and phone values
    parts: tuple[frozenset[str], ...]  # token and phonetic values of each name part
    forms: frozenset[str]  # canonical forms, for year_token values
    year: int | None


def record_keys(f: Features, scheme: Sequence[str] = DEFAULT_SCHEME) -> RecordKeys:
    """The index values of one record, grouped by name part (scheme: phonetic algorithms)."""
    parts = []
    full_names = set()
    for name in (f.name, f.other):
        canon = sorted(t.canon for t in name if len(t.canon) >= 2)
        if canon:
            full_names.add("full_name:" + " ".join(canon))
        for token in name:
            forms = token_forms([token])
            if forms:
                keys = {f"token:{x}" for x in forms}
                keys.update(f"phonetic:{c}" for x in forms for c in phonetic_codes(x, scheme))
                parts.append(frozenset(keys))
    direct = frozenset(full_names | {f"phone:{p}" for p in f.phones})
    forms = frozenset(token_forms([*f.name, *f.other]))
    return RecordKeys(direct, tuple(parts), forms, f.birth.year if f.birth else None)


class Blocker:
    """Inverted index of blocking keys over one set of records."""

    def __init__(
        self,
        records: Sequence[Features],
        max_block: int = DEFAULT_MAX_BLOCK,
        rare_block: int = DEFAULT_RARE_BLOCK,
        scheme: Sequence[str] = DEFAULT_SCHEME,
    ) -> None:
        self.max_block, self.rare_block, self.scheme = max_block, rare_block, scheme
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.keys: list[RecordKeys] = []
        for i, f in enumerate(records):
            rk = record_keys(f, scheme)
            self.keys.append(rk)
            part_keys = set().union(*rk.parts) if rk.parts else set()
            year_keys = {f"year_token:{rk.year}|{x}" for x in rk.forms} if rk.year else set()
            for key in rk.direct | part_keys | year_keys:
                self.postings[key].append(i)

    def _usable(self, key: str) -> list[int]:
        posting = self.postings.get(key, [])
        return posting if len(posting) <= self.max_block else []

    def candidates(self, rk: RecordKeys) -> set[int]:
        """Indexes of the records that pair with a record of keys rk."""
        found: set[int] = set()
        for key in rk.direct:
            found.update(self._usable(key))
        if rk.year:
            for form in rk.forms:
                for year in range(rk.year - YEAR_TOLERANCE, rk.year + YEAR_TOLERANCE + 1):
                    found.update(self._usable(f"year_token:{year}|{form}"))
        parts_shared: dict[int, set[int]] = defaultdict(set)
        for part, keys in enumerate(rk.parts):
            for key in keys:
                posting = self._usable(key)
                if len(posting) <= self.rare_block:
                    found.update(posting)
                for j in posting:
                    parts_shared[j].add(part)
        found.update(j for j, parts in parts_shared.items() if len(parts) >= 2)
        return found


def dedupe_pairs(
    records: Sequence[Features],
    max_block: int = DEFAULT_MAX_BLOCK,
    rare_block: int = DEFAULT_RARE_BLOCK,
    scheme: Sequence[str] = DEFAULT_SCHEME,
) -> Iterator[tuple[int, int]]:
    """Each candidate pair (i, j), i < j, of one file once."""
    blocker = Blocker(records, max_block, rare_block, scheme)
    for i in range(len(records)):
        for j in sorted(blocker.candidates(blocker.keys[i])):
            if j > i:
                yield i, j


def link_pairs(
    left: Sequence[Features],
    right: Sequence[Features],
    max_block: int = DEFAULT_MAX_BLOCK,
    rare_block: int = DEFAULT_RARE_BLOCK,
) -> Iterator[tuple[int, int]]:
    """Candidate pairs (i in left, j in right) between two files."""
    blocker = Blocker(right, max_block, rare_block)
    for i, f in enumerate(left):
        for j in sorted(blocker.candidates(record_keys(f, blocker.scheme))):
            yield i, j
