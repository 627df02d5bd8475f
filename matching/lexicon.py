"""The name, particle, nickname, compound and place tables, loaded from matching/data/.

Entries are written in any script; each is keyed by its folded transliteration so that
lookups from input text and from the data meet in the same spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import OSA

from matching.text import fold, split_words

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_lines(name: str) -> list[str]:
    """Non-blank, non-comment lines of a data file."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def entry_key(entry: str) -> str:
    """The lookup key of a data-file entry: its words joined and folded."""
    return fold("".join(split_words(entry)))


@dataclass
class VariantTable:
    """Folded spelling -> canonical form, plus the spellings of each canonical form."""

    canonical: dict[str, str] = field(default_factory=dict)
    spellings: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)

    def add_group(self, entries: list[str]) -> None:
        canon = "".join(split_words(entries[0]))
        self.spellings.setdefault(canon, [])
        for entry in entries:
            key = entry_key(entry)
            if not key:
                continue
            known = self.canonical.get(key)
            if known is not None and known != canon:
                self.conflicts.append((key, known, canon))
                continue
            self.canonical[key] = canon
            self.spellings[canon].append(entry)

    def lookup(self, word: str) -> str | None:
        return self.canonical.get(fold(word))


def _deletions(word: str, depth: int) -> set[str]:
    out = {word}
    for _ in range(depth):
        out |= {w[:i] + w[i + 1 :] for w in out for i in range(len(w))}
    return out


def _max_edits(word: str) -> int:
    # Short names are too close to each other for a typo to be told from another name.
    return 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0


class Speller:
    """Nearest known spellings within one or two edits (symmetric-deletion lookup)."""

    def __init__(self, table: VariantTable) -> None:
        self.table = table
        self.by_deletion: dict[str, set[str]] = {}
        for key in table.canonical:
            for d in _deletions(key, _max_edits(key)):
                self.by_deletion.setdefault(d, set()).add(key)

    def near(self, word: str) -> frozenset[str]:
        """Canonical forms of the known spellings nearest to an unknown folded word."""
        edits = _max_edits(word)
        if not edits:
            return frozenset()
        keys = {k for d in _deletions(word, edits) for k in self.by_deletion.get(d, ())}
        scored = [(OSA.distance(word, k), k) for k in keys]
        scored = [(dist, k) for dist, k in scored if dist <= min(edits, _max_edits(k))]
        if not scored:
            return frozenset()
        best = min(dist for dist, _ in scored)
        return frozenset(self.table.canonical[k] for dist, k in scored if dist == best)


@lru_cache(maxsize=1)
def speller() -> Speller:
    return Speller(names())


# Canonical names whose groups are ignored: only evaluation sets this, to measure how the
# engine copes with names the data files do not know (see evaluation.hide_variant_groups).
_hidden: frozenset[str] = frozenset()


def hide_groups(canonicals: frozenset[str]) -> None:
    """Ignore the variant groups of these canonical names (for evaluation), and reload."""
    global _hidden
    _hidden = canonicals
    for cached in (names, speller, nicknames, compounds):
        cached.cache_clear()


def _groups(name: str) -> VariantTable:
    table = VariantTable()
    for line in data_lines(name):
        entries = [e.strip() for e in line.split(",") if e.strip()]
        if "".join(split_words(entries[0])) not in _hidden:
            table.add_group(entries)
    return table


@lru_cache(maxsize=1)
def names() -> VariantTable:
    return _groups("name_variants.txt")


@lru_cache(maxsize=1)
def places() -> VariantTable:
    return _groups("place_variants.txt")


@lru_cache(maxsize=1)
def particles() -> frozenset[str]:
    return frozenset(entry_key(line) for line in data_lines("particles.txt"))


@lru_cache(maxsize=1)
def nicknames() -> dict[str, frozenset[str]]:
    """Folded nickname -> canonical formal names."""
    table: dict[str, frozenset[str]] = {}
    for line in data_lines("nicknames.txt"):
        nick, _, formals = line.partition(":")
        canon = {names().lookup(entry_key(f)) or entry_key(f) for f in formals.split(",") if f.strip()}
        table[entry_key(nick)] = frozenset(canon)
    return table


@dataclass(frozen=True)
class CompoundClass:
    key: str
    prefixes: tuple[str, ...]
    parts: frozenset[str]


@lru_cache(maxsize=1)
def compounds() -> list[CompoundClass]:
    classes: list[CompoundClass] = []
    key, prefixes, parts = "", (), frozenset()
    for line in [*data_lines("compounds.txt"), "[end]"]:
        if line.startswith("["):
            if key:
                classes.append(CompoundClass(key, prefixes, parts))
            key = line.strip("[]")
        elif line.startswith("prefixes:"):
            words = line.removeprefix("prefixes:").split()
            # Longest first, so "abdul" is tried before "abd".
            prefixes = tuple(sorted({entry_key(w) for w in words}, key=len, reverse=True))
        elif line.startswith("parts:"):
            words = line.removeprefix("parts:").split()
            parts = frozenset(names().lookup(entry_key(w)) or entry_key(w) for w in words)
    return classes
