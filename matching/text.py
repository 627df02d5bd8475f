"""Low-level text folding shared by the lexicon loader and the name normaliser.

Everything here is a pure function of its input, so the data files and the input names
pass through exactly the same steps and meet in the same spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from anyascii import anyascii

# Arabic, Arabic Supplement, Extended-A and the presentation forms (Persian and Pashto too).
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_ARABIC_ARTICLE = "ال"
_ALLAH = "الله"
# anyascii drops alif and renders ta marbuta as "h", so Arabic عمر (Omar) and عمار (Ammar)
# both became "mr" and فاطمة "ftmh". Writing the long vowel letters as Latin vowels keeps
# them apart and brings Arabic spellings nearer to Latin ones (benchmarks/matching_translit.py).
_ARABIC_VOWELS = str.maketrans({"ا": "a", "أ": "a", "إ": "i", "آ": "a", "ة": "a", "ى": "a"})
# anyascii renders ayn, hamza and Ethiopic glottal stops as apostrophes or backticks; they
# must vanish inside a token ("mika'el" is one name), not split it.
_GLOTTAL = re.compile(r"['`ʼʻʿʾ’‘´]")
_NOT_LETTER = re.compile(r"[^a-z]+")
# Digits inside a word are OCR misreadings (Popa1, K0walenko): no name contains digits.
_OCR_DIGIT = re.compile(r"(?<=[a-z])[01358]|[01358](?=[a-z])")
_DIGIT_LETTER = {"0": "o", "1": "l", "3": "e", "5": "s", "8": "b"}
_SOMALI_AYN = re.compile(r"(?:^|(?<=[aeiou]))c(?=[aeiou])")
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_VOWEL_H = re.compile(r"(?<=[aeiou])h$")


def _strip_arabic_article(word: str) -> str:
    # "الحسن" is al-Hasan: the article is written joined, so it cannot be dropped as a
    # separate particle after transliteration. Allah itself starts with the same letters.
    if word.startswith(_ARABIC_ARTICLE) and len(word) > 3 and word != _ALLAH and _ARABIC_LETTER.match(word):
        return word[2:]
    return word


def transliterate(text: str, backend: Callable[[str], str] = anyascii, arabic_vowels: bool = True) -> str:
    """NFKC, case fold and transliterate any script to lower-case ASCII (spaces kept).

    backend and arabic_vowels exist for benchmarks/matching_translit.py, which compares
    transliterators; the engine always uses the defaults.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if _ARABIC_LETTER.search(text):
        text = " ".join(_strip_arabic_article(w) for w in text.split())
        if arabic_vowels:
            text = text.translate(_ARABIC_VOWELS)
    text = _GLOTTAL.sub("", backend(text).lower())
    return _OCR_DIGIT.sub(lambda m: _DIGIT_LETTER[m[0]], text)


def split_words(text: str) -> list[str]:
    """Transliterate and split into letter-only words."""
    return [w for w in _NOT_LETTER.split(transliterate(text)) if w]


def fold(word: str) -> str:
    """Fold spelling conventions that vary between romanisations of the same sound.

    Somali orthography writes Arabic h as x and ayn as c (Xasan, Cabdi); Arabic romanisations
    alternate q/k, dh/d, ph/f, ou/u, final -ah/-a, final -y/-i and doubled letters.
    """
    # The final -h goes before x becomes h, or Alex would end as "ale".
    w = _FINAL_VOWEL_H.sub("", word)
    w = w.replace("x", "h").replace("ph", "f").replace("q", "k").replace("dh", "d")
    w = _SOMALI_AYN.sub("", w)
    w = w.replace("ou", "u")
    if w.endswith("y") and len(w) > 2:
        w = w[:-1] + "i"
    return _DOUBLE.sub(r"\1", w)
