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


# Sizing for an expected network of about 10^6 persons; see docs/encryption.md.
INDEXES: dict[str, IndexSpec] = {
    spec.name: spec
    for spec in [
        IndexSpec("full_name", 32, "all name tokens, sorted and joined"),
        IndexSpec("token", 24, "each name token"),
        IndexSpec("phonetic", 20, "phonetic codes of each name token"),
        IndexSpec("year_token", 24, "birth year with each name token"),
        IndexSpec("phone", 32, "E.164 phone number"),
    ]
}


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
