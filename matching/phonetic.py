"""Phonetic codes of a name part, computed on its canonical variant.

Coding the canonical form means Mohammed and Maxamed already share every code; the codes
then catch what the variant tables do not know (typos, rare names, new romanisations).
The default scheme was chosen with benchmarks/matching_phonetic.py (docs/matching.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import jellyfish

from matching.text import fold

_VOWELS_AFTER_FIRST = re.compile(r"(?<=.)[aeiouyw]")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """Consonant skeleton: what survives an unvowelled script such as Arabic.

    محمد gives "mhmd" and so does Mohammed; initial vowels go too, because Arabic ayn and
    alif are lost or rendered differently by every romanisation (Omar, Cumar, Umar).
    """
    folded = fold(word).lstrip("aeiou")
    return _DOUBLE.sub(r"\1", _VOWELS_AFTER_FIRST.sub("", folded))


ALGORITHMS: dict[str, Callable[[str], str]] = {
    "metaphone": jellyfish.metaphone,
    "nysiis": jellyfish.nysiis,
    "soundex": jellyfish.soundex,
    "mrc": jellyfish.match_rating_codex,
    "skeleton": skeleton,
}
PREFIX = {"metaphone": "m", "nysiis": "n", "soundex": "s", "mrc": "r", "skeleton": "k"}

DEFAULT_SCHEME: tuple[str, ...] = ("soundex", "skeleton")


def phonetic_codes(word: str, scheme: Iterable[str] = DEFAULT_SCHEME) -> set[str]:
    """Prefixed codes ("m:MHMT", "k:mhmd") of one canonical name part; none for initials."""
    if len(word) < 2:
        return set()
    codes = set()
    for name in scheme:
        code = ALGORITHMS[name](word)
        if len(code) >= 2:
            codes.add(f"{PREFIX[name]}:{code}")
    return codes
