"""Blind indexes: truncated keyed HMAC-SHA256 of normalised values.

Each index has its own key, derived from the index root key by (table, field, index name),
so equal values in two indexes give unrelated terms. Truncation makes terms collide on
purpose (a Bloom-filter-like leak budget, see docs/encryption.md); search always decrypts
the candidates and drops false positives before anything reaches the caller.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from tracing.crypto.keys import provider


@dataclass(frozen=True)
class IndexSpec:
    name: str
    bits: int
    what: str
    #: Expected terms per person (measured on typical cases): sizes the index for R.
    per_person: float = 1.0


#: Persons the network is sized for: the rule below must hold across this whole range.
EXPECTED_PERSONS = (100_000, 1_000_000)

# Truncation follows CipherSweet's coincidence rule for each index on its own: with R terms
# and L bits, C = R / 2^L must satisfy 2 <= C < sqrt(R), i.e. log2(R)/2 < L <= log2(R) - 1,
# so every term is shared by a few unrelated records and search still gets few candidates.
# The figures per index and R are in docs/encryption.md ("Blind-index sizing").
INDEXES: dict[str, IndexSpec] = {
    spec.name: spec
    for spec in [
        IndexSpec("full_name", 15, "all name tokens, sorted and joined", per_person=1.2),
        IndexSpec("token", 16, "each name token", per_person=4),
        IndexSpec("phonetic", 16, "phonetic codes of each name token", per_person=8),
        IndexSpec("year_token", 16, "birth year with each name token", per_person=4),
        IndexSpec("phone", 14, "E.164 phone number", per_person=0.6),
        # Two parts of one name, unordered: selective where each part alone is common.
        IndexSpec("name_pair", 16, "two name tokens of one name, sorted", per_person=3),
    ]
}


def coincidences(spec: IndexSpec, persons: int) -> tuple[float, float]:
    """(C, sqrt(R)) of an index for a number of persons: CipherSweet wants 2 <= C < sqrt(R)."""
    terms = persons * spec.per_person
    return terms / 2**spec.bits, terms**0.5


@lru_cache(maxsize=256)
def _index_key(version: str, table: str, field: str, index: str) -> bytes:
    root = provider().index_ring().get(version)
    return hmac.new(root, f"{table}|{field}|{index}".encode(), hashlib.sha256).digest()


def term(index: str, value: str, *, table: str = "person", field: str = "names", version: str | None = None) -> str:
    spec = INDEXES[index]
    version = version or provider().index_ring().current
    digest = hmac.new(_index_key(version, table, field, index), value.encode(), hashlib.sha256).digest()
    nbytes = (spec.bits + 7) // 8
    as_int = int.from_bytes(digest[:nbytes], "big") >> (nbytes * 8 - spec.bits)
    return f"{as_int:0{nbytes * 2}x}"


def active_versions() -> list[str]:
    """Index key versions to query: during an index rebuild, both old and new are searched."""
    ring = provider().index_ring()
    return [ring.current] + [v for v in ring.keys if v != ring.current]


def reset() -> None:
    _index_key.cache_clear()
