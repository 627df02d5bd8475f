"""In-memory blocking through the same keys as the blind indexes.

A pair is compared only when the two records share a `full_name`, `token`, `phonetic` or
`phone` value (matching.keys). A key shared by more than `max_block` records (a very
common name) is not used on its own: its records are paired only within `year_token`
blocks of birth year ± 1, as the database search will do with the year_token index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from matching.features import Features
from matching.keys import token_index_values

BLOCK_INDEXES = ("full_name", "token", "phonetic")
DEFAULT_MAX_BLOCK = 1000


def record_keys(f: Features) -> tuple[set[str], set[str]]:
    """(blocking keys, year_token keys) of one record, prefixed by index name."""
    year = [f.birth.year] if f.birth else []
    values = token_index_values([f.name, f.other], year)
    keys = {f"{idx}:{v}" for idx in BLOCK_INDEXES for v in values[idx]}
    keys.update(f"phone:{p}" for p in f.phones)
    return keys, {f"year_token:{v}" for v in values["year_token"]}


def _query_year_keys(f: Features, token_key: str) -> list[str]:
    if not f.birth:
        return []
    token = token_key.removeprefix("token:")
    return [f"year_token:{y}|{token}" for y in range(f.birth.year - 1, f.birth.year + 2)]


class Blocker:
    """Inverted index of blocking keys over one set of records."""

    def __init__(self, records: Sequence[Features], max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.max_block = max_block
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.keys: list[set[str]] = []
        for i, f in enumerate(records):
            keys, year_keys = record_keys(f)
            self.keys.append(keys)
            for key in keys | year_keys:
                self.postings[key].append(i)

    def candidates(self, f: Features, keys: set[str] | None = None) -> set[int]:
        """Indexes of the records sharing a usable key with f."""
        if keys is None:
            keys = record_keys(f)[0]
        found: set[int] = set()
        for key in keys:
            posting = self.postings.get(key, ())
            if len(posting) <= self.max_block:
                found.update(posting)
            elif key.startswith("token:"):
                for year_key in _query_year_keys(f, key):
                    year_posting = self.postings.get(year_key, ())
                    if len(year_posting) <= self.max_block:
                        found.update(year_posting)
        return found


def dedupe_pairs(records: Sequence[Features], max_block: int = DEFAULT_MAX_BLOCK) -> Iterator[tuple[int, int]]:
    """Each candidate pair (i, j), i < j, of one file once."""
    blocker = Blocker(records, max_block)
    for i, f in enumerate(records):
        for j in sorted(blocker.candidates(f, blocker.keys[i])):
            if j > i:
                yield i, j


def link_pairs(
    left: Sequence[Features], right: Sequence[Features], max_block: int = DEFAULT_MAX_BLOCK
) -> Iterator[tuple[int, int]]:
    """Candidate pairs (i in left, j in right) between two files."""
    blocker = Blocker(right, max_block)
    for i, f in enumerate(left):
        for j in sorted(blocker.candidates(f)):
            yield i, j
