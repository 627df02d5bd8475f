"""Name and place normalisation: any script in, comparable name parts out.

Pipeline for a name: NFKC and case folding, transliteration to Latin (anyascii, see
docs/matching.md for why), splitting into words, joining compounds written apart
("Abd al-Rahman", "Gebre Mikael"), dropping particles and honorifics, then mapping each word
to the canonical form of its variant group (Maxamed -> mohammed) and noting which formal
names a nickname may stand for (Sasha -> alexander, alexandra). Word order is kept but
nothing downstream relies on it: any part may be a given or a family name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from matching import lexicon
from matching.text import fold, split_words

# Arabic articles that may sit between "Abd" and the divine name: "Abd al-Rahman".
_LINKING_ARTICLES = ("al", "el", "ul", "ar", "ur", "ad", "ud", "l")


@dataclass(frozen=True, slots=True)
class NameToken:
    """One name part: its folded spelling, its canonical variant, and `formal`: the canonical
    names it may stand for (a nickname's formal names, or the nearest known spellings of an
    unknown word that looks like a typo)."""

    text: str
    canon: str
    formal: frozenset[str] = frozenset()
    forms: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Canonical forms this part may stand for: itself and its formal names. Stored, not
        # derived on access, because scoring asks for it millions of times.
        object.__setattr__(self, "forms", self.formal | {self.canon})

    def __hash__(self) -> int:
        # Cheap: str hashes are cached, a frozenset's is recomputed on every call. (Not
        # text ^ canon: the two are often equal, which would hash every such part to 0.)
        return hash((self.text, self.canon))


def _canon(word: str) -> str | None:
    return lexicon.names().lookup(word)


def _compound_of(prefix_word: str, part_word: str) -> str | None:
    """Canonical compound when prefix_word + part_word form one, else None."""
    prefix = fold(prefix_word)
    part = _canon(part_word) or fold(part_word)
    for cls in lexicon.compounds():
        if prefix in cls.prefixes and part in cls.parts:
            joined = cls.key + part
            return _canon(joined) or joined
    return None


def _split_compound(word: str) -> str | None:
    """Canonical compound for a joined spelling such as "abdirahman" or Arabic "bdlrhmn"."""
    folded = fold(word)
    for cls in lexicon.compounds():
        for prefix in cls.prefixes:
            if not folded.startswith(prefix) or len(folded) - len(prefix) < 2:
                continue
            rest = folded[len(prefix) :]
            candidates = [rest] + [rest[len(a) :] for a in _LINKING_ARTICLES if rest.startswith(a)]
            for cand in candidates:
                if len(cand) >= 2 and (found := _compound_of(prefix, cand)):
                    return found
    return None


def _join_compounds(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        joined = None
        for skip in (1, 2):
            # skip=2 steps over a linking article: "abd al rahman".
            if i + skip >= len(words):
                break
            if skip == 2 and words[i + 1] not in _LINKING_ARTICLES:
                break
            joined = _compound_of(words[i], words[i + skip])
            if joined:
                out.append(joined)
                i += skip + 1
                break
        if not joined:
            out.append(words[i])
            i += 1
    return out


@lru_cache(maxsize=200_000)
def _token(word: str) -> NameToken:
    folded = fold(word)
    canon = _canon(word) or _split_compound(word) or folded
    nicks = lexicon.nicknames()
    formal = nicks.get(folded, frozenset()) | nicks.get(canon, frozenset())
    if not formal and canon == folded and canon not in lexicon.names().spellings:
        # Unknown spelling: most likely a typo or OCR slip of a known name ("Bonearenko").
        formal |= lexicon.speller().near(folded)
    return NameToken(text=folded, canon=canon, formal=frozenset(formal - {canon}))


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[NameToken, ...]:
    """Normalised name parts of a name written in any script (empty for no letters)."""
    words = _join_compounds(split_words(name))
    particles = lexicon.particles()
    kept = [w for w in words if fold(w) not in particles]
    return tuple(_token(w) for w in (kept or words))


def canonical_tokens(name: str) -> list[str]:
    """Canonical variant of each name part, in the order written."""
    return [t.canon for t in name_tokens(name)]


@lru_cache(maxsize=50_000)
def normalise_place(place: str) -> str:
    """Canonical place key: Kismayo, Kismaayo and Chisimaio all give "kismayo"."""
    words = split_words(place)
    if not words:
        return ""
    return lexicon.places().lookup("".join(words)) or fold("".join(words))
