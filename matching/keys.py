"""Index values for a person's names, birth year and phones: what the blind indexes hash.

This is the contract between matching and the encryption layer: `person_index_values`
gives, per index name of tracing.crypto.blind.INDEXES, the set of normalised strings to
hash for a stored person; `query_index_values` gives the same for a search query.
"""

from __future__ import annotations

import re
import unicodedata

import jellyfish
import phonenumbers
from anyascii import anyascii

_PARTICLES = {"al", "el", "bin", "ibn", "van", "de", "der", "den", "da", "di", "du", "le", "la", "von", "abu", "bint"}
_NON_ALPHA = re.compile(r"[^a-z]+")


def normalise_tokens(name: str) -> list[str]:
    """Fold case and script to Latin letters, split into tokens, drop particles."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = anyascii(text).lower()
    tokens = [t for t in _NON_ALPHA.split(text) if t]
    kept = [t for t in tokens if t not in _PARTICLES]
    return kept or tokens


def phonetic_codes(token: str) -> set[str]:
    codes = {"m:" + jellyfish.metaphone(token), "n:" + jellyfish.nysiis(token)}
    return {c for c in codes if len(c) > 2}


def normalise_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 form, or None when the number cannot be parsed."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def person_index_values(
    *, names: list[str], birth_year: int | None = None, phones: list[str] = ()
) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {"full_name": set(), "token": set(), "phonetic": set(), "year_token": set(), "phone": set()}
    for name in names:
        tokens = normalise_tokens(name)
        if not tokens:
            continue
        values["full_name"].add(" ".join(sorted(tokens)))
        for tok in tokens:
            values["token"].add(tok)
            values["phonetic"].update(phonetic_codes(tok))
            if birth_year:
                values["year_token"].add(f"{birth_year}|{tok}")
    for phone in phones:
        e164 = normalise_phone(phone)
        if e164:
            values["phone"].add(e164)
    return values


def query_index_values(query: str, *, birth_year: int | None = None) -> dict[str, set[str]]:
    """Index values for a free-text search: a phone number, or a name."""
    if sum(ch.isdigit() for ch in query) >= 6:
        e164 = normalise_phone(query)
        if e164:
            return {"phone": {e164}}
    return person_index_values(names=[query], birth_year=birth_year)
