"""How names get damaged between an interview and a database: for the evaluation generator.

Each function takes a random.Random so that a seed reproduces the same data set.
"""

from __future__ import annotations

import random
import re

_KEYBOARD = {
    "a": "qswz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip

# Misreadings of scanned or handwritten lists.
_OCR = [("rn", "m"), ("m", "rn"), ("l", "1"), ("i", "l"), ("o", "0"), ("O", "0"), ("cl", "d"),
        ("d", "cl"), ("w", "vv"), ("h", "b"), ("e", "c"), ("S", "5"), ("B", "8")]  # fmt: skip

# Romanisation habits not necessarily in the variant tables: French, English, Italian,
# German and Somali clerks write the same sounds differently.
_ROMANISATION = [("ou", "u"), ("u", "ou"), ("i", "ee"), ("ee", "i"), ("e", "a"), ("a", "e"),
                 ("kh", "h"), ("q", "k"), ("k", "q"), ("y", "i"), ("i", "y"), ("dh", "d"),
                 ("j", "dj"), ("sh", "ch"), ("ph", "f"), ("v", "w"), ("w", "v"), ("ss", "s"),
                 ("s", "ss"), ("mm", "m"), ("m", "mm"), ("ll", "l"), ("aa", "a"), ("o", "u"),
                 ("tch", "ch"), ("x", "kh"), ("c", "k")]  # fmt: skip


def _replace_one(word: str, old: str, new: str, rng: random.Random) -> str:
    spots = [m.start() for m in re.finditer(re.escape(old), word)]
    if not spots:
        return word
    at = rng.choice(spots)
    return word[:at] + new + word[at + len(old) :]


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: a deleted, doubled, swapped or mistyped letter."""
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word))
    kind = rng.choice(("delete", "insert", "transpose", "substitute"))
    if kind == "delete":
        return word[:at] + word[at + 1 :]
    if kind == "insert":
        return word[:at] + word[at - 1] + word[at:]
    if kind == "transpose" and at < len(word) - 1:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    near = _KEYBOARD.get(word[at].lower(), "")
    return word[:at] + (rng.choice(near) if near else word[at]) + word[at + 1 :]


def ocr_error(word: str, rng: random.Random) -> str:
    """One OCR confusion (rn/m, l/1, O/0, cl/d) where the word allows it."""
    options = [(old, new) for old, new in _OCR if old in word]
    if not options:
        return word
    old, new = rng.choice(options)
    return _replace_one(word, old, new, rng)


def romanise_differently(word: str, rng: random.Random) -> str:
    """Apply one romanisation habit (ou/u, kh/h, ee/i ...) that fits the word."""
    lower = word.lower()
    options = [(old, new) for old, new in _ROMANISATION if old in lower]
    if not options:
        return word
    old, new = rng.choice(options)
    out = _replace_one(lower, old, new, rng)
    return out.capitalize() if word[:1].isupper() else out
