"""Which transliterator brings non-Latin names nearest their Latin spellings?

For every native-script spelling (Arabic, Cyrillic, Ge'ez) in matching/data/name_variants.txt
and place_variants.txt, transliterate it, fold it as the engine does, and compare it with
the Latin spellings of the same group:
- closeness: best Jaro-Winkler similarity to a Latin spelling of its own group;
- identified: its nearest Latin spelling among all groups belongs to its own group
  (what happens to a name the tables do not list in that script);
- skeleton: its consonant skeleton equals that of a Latin spelling of its group;
- us_per_name: microseconds per call of the bare library.
Candidates: anyascii, anyascii with Arabic long vowels kept (the engine's choice),
Unidecode, and ICU's Any-Latin; Latin-ASCII (PyICU, skipped when not installed).
Usage: .venv/bin/python benchmarks/matching_translit.py
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anyascii import anyascii  # noqa: E402
from rapidfuzz import process  # noqa: E402
from rapidfuzz.distance import JaroWinkler  # noqa: E402
from unidecode import unidecode  # noqa: E402

from matching import lexicon  # noqa: E402
from matching.evaluation import script_of  # noqa: E402
from matching.phonetic import skeleton  # noqa: E402
from matching.text import fold, transliterate  # noqa: E402


def candidates() -> dict[str, tuple[Callable[[str], str], bool]]:
    """name -> (library call, keep Arabic long vowels)."""
    found: dict[str, tuple[Callable[[str], str], bool]] = {
        "anyascii": (anyascii, False),
        "anyascii+arabic_vowels (engine)": (anyascii, True),
        "unidecode": (unidecode, False),
    }
    try:
        import icu

        found["icu Any-Latin;Latin-ASCII"] = (
            icu.Transliterator.createInstance("Any-Latin; Latin-ASCII").transliterate,
            False,
        )
    except ImportError:
        print("PyICU not installed: ICU skipped", file=sys.stderr)
    return found


def library_microseconds(backend: Callable[[str], str], texts: list[str]) -> float:
    """Best of three runs of the bare library call, per text."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            backend(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def key(text: str) -> str:
    return fold("".join(ch for ch in text if ch.isalpha()))


def samples() -> list[tuple[str, str, str]]:
    """(native spelling, script, group canonical) for every non-Latin entry."""
    out = []
    for table in (lexicon.names(), lexicon.places()):
        for canon, spellings in table.spellings.items():
            for s in spellings:
                if script_of(s) != "latin":
                    out.append((s, script_of(s), canon))
    return out


def main() -> None:
    latin: dict[str, list[str]] = {}
    for table in (lexicon.names(), lexicon.places()):
        for canon, spellings in table.spellings.items():
            latin[canon] = [key(transliterate(s)) for s in spellings if script_of(s) == "latin"]
    choices = [(k, canon) for canon, keys in latin.items() for k in keys]
    choice_keys = [k for k, _ in choices]
    report = {}
    items = [s for s in samples() if latin.get(s[2])]
    for name, (backend, vowels) in candidates().items():
        by_script: dict[str, dict[str, float]] = {}
        converted = [key(transliterate(native, backend, vowels)) for native, _, _ in items]
        micro = library_microseconds(backend, [native for native, _, _ in items])
        for (_native, script, canon), got in zip(items, converted, strict=True):
            own = latin[canon]
            best = process.extractOne(got, choice_keys, scorer=JaroWinkler.similarity)
            row = by_script.setdefault(script, {"n": 0, "closeness": 0.0, "identified": 0, "skeleton": 0})
            row["n"] += 1
            row["closeness"] += max(JaroWinkler.similarity(got, k) for k in own)
            row["identified"] += bool(best) and choices[best[2]][1] == canon
            row["skeleton"] += skeleton(got) in {skeleton(k) for k in own}
        report[name] = {
            script: {
                "n": r["n"],
                "closeness": round(r["closeness"] / r["n"], 3),
                "identified": round(r["identified"] / r["n"], 3),
                "skeleton": round(r["skeleton"] / r["n"], 3),
            }
            for script, r in sorted(by_script.items())
        } | {"us_per_name": round(micro, 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
