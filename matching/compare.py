"""Field comparisons: each turns two records' features into a comparison level.

Levels run from strongest agreement to disagreement; "missing" when either side is empty.
The Fellegi-Sunter weights of each level live in matching/data/weights.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from matching.dates import DATE_LEVELS, compare_dates
from matching.features import Features
from matching.normalize import NameToken

STRONG = 0.9  # a name part this similar counts as the same name (typo, variant, nickname)
NICKNAME = 0.92
INITIAL = 0.8
PLACE_PARTIAL = 0.88

NAME_LEVELS = ("exact", "all", "most", "one", "weak", "disagree")
GIVEN_LEVELS = ("agree", "swapped", "partial", "disagree")
PARENT_LEVELS = ("agree", "partial", "disagree")
AGREE_LEVELS = ("agree", "disagree")
PLACE_LEVELS = ("agree", "partial", "disagree")
PHONE_LEVELS = ("agree", "partial", "disagree")


@lru_cache(maxsize=1 << 20)
def token_similarity(a: NameToken, b: NameToken) -> float:
    """Similarity in [0, 1] of two name parts: variants 1, nicknames 0.92, else Jaro-Winkler."""
    if a.canon == b.canon:
        return 1.0
    if a.forms & b.forms:
        return NICKNAME
    if len(a.canon) == 1 or len(b.canon) == 1:
        return INITIAL if a.canon[0] == b.canon[0] else 0.0
    return max(JaroWinkler.similarity(a.canon, b.canon), JaroWinkler.similarity(a.text, b.text))


def best_assignment(a: Sequence[NameToken], b: Sequence[NameToken]) -> list[float]:
    """Similarities of the best one-to-one pairing of parts, whatever their order.

    Greedy on the sorted similarity matrix: names have at most a handful of parts, and a
    part's best partner is nearly always unambiguous, so this matches the optimum in practice.
    """
    scored = sorted(
        ((token_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    sims = []
    for sim, i, j in scored:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            sims.append(sim)
    return sims


@lru_cache(maxsize=1 << 18)
def name_level(a: tuple[NameToken, ...], b: tuple[NameToken, ...]) -> str:
    """NAME_LEVELS: exact (same parts), all (shorter name fully inside the longer), most
    (two or more parts shared), one (one part shared), weak (only fuzzy resemblance)."""
    if not a or not b:
        return "missing"
    sims = best_assignment(a, b)
    strong = sum(s >= STRONG for s in sims)
    shorter = min(len(a), len(b))
    if len(a) == len(b) and all(s == 1.0 for s in sims):
        return "exact"
    if strong == shorter and shorter >= 2:
        return "all"
    if strong >= 2:
        return "most"
    if strong == 1:
        return "one"
    joined_a = " ".join(t.canon for t in a)
    joined_b = " ".join(t.canon for t in b)
    if sims[0] >= 0.75 or fuzz.token_set_ratio(joined_a, joined_b) >= 75:
        return "weak"
    return "disagree"


def best_name_level(fa: Features, fb: Features) -> str:
    """Name level over the main names and the other names each side is known by."""
    names_a = [n for n in (fa.name, fa.other) if n]
    names_b = [n for n in (fb.name, fb.other) if n]
    levels = [name_level(x, y) for x in names_a for y in names_b]
    known = [lv for lv in levels if lv != "missing"]
    return min(known, key=NAME_LEVELS.index) if known else "missing"


def given_level(fa: Features, fb: Features) -> str:
    """GIVEN_LEVELS for the first given name, the part that tells siblings apart.

    "swapped" when it matches the other record's family name instead: given and family
    names entered in each other's fields.
    """
    if not fa.given or not fb.given:
        return "missing"
    sim = token_similarity(fa.given[0], fb.given[0])
    if sim >= STRONG:
        return "agree"
    swapped = [token_similarity(fa.given[0], fb.family[0])] if fb.family else []
    swapped += [token_similarity(fb.given[0], fa.family[0])] if fa.family else []
    if any(s >= STRONG for s in swapped):
        return "swapped"
    return "partial" if sim >= 0.8 else "disagree"


def parent_level(a: tuple[NameToken, ...], b: tuple[NameToken, ...]) -> str:
    level = name_level(a, b)
    if level in ("exact", "all"):
        return "agree"
    if level in ("most", "one"):
        return "partial"
    return level if level == "missing" else "disagree"


def place_level(a: str, b: str) -> str:
    if not a or not b:
        return "missing"
    if a == b:
        return "agree"
    return "partial" if JaroWinkler.similarity(a, b) >= PLACE_PARTIAL else "disagree"


def phone_level(a: frozenset[str], b: frozenset[str]) -> str:
    if not a or not b:
        return "missing"
    if a & b:
        return "agree"
    # The same subscriber number written with and without a country or trunk prefix.
    tails_a = {p[-7:] for p in a}
    return "partial" if any(p[-7:] in tails_a for p in b) else "disagree"


def exact_level(a: str | None, b: str | None) -> str:
    if not a or not b:
        return "missing"
    return "agree" if a == b else "disagree"


COMPARISONS: dict[str, tuple[str, ...]] = {
    "name": NAME_LEVELS,
    "given_name": GIVEN_LEVELS,
    "birth_date": DATE_LEVELS,
    "sex": AGREE_LEVELS,
    "birth_place": PLACE_LEVELS,
    "last_known_place": PLACE_LEVELS,
    "father_name": PARENT_LEVELS,
    "mother_name": PARENT_LEVELS,
    "phone": PHONE_LEVELS,
}


def comparison_vector(fa: Features, fb: Features) -> dict[str, str]:
    """Level of every comparison in COMPARISONS for one pair."""
    return {
        "name": best_name_level(fa, fb),
        "given_name": given_level(fa, fb),
        "birth_date": compare_dates(fa.birth, fb.birth),
        "sex": exact_level(fa.sex, fb.sex),
        "birth_place": place_level(fa.birth_place, fb.birth_place),
        "last_known_place": place_level(fa.last_place, fb.last_place),
        "father_name": parent_level(fa.father, fb.father),
        "mother_name": parent_level(fa.mother, fb.mother),
        "phone": phone_level(fa.phones, fb.phones),
    }
