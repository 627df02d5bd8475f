"""Index values for a person's names, birth year and phones: what the blind indexes hash.

This is the contract between matching and the encryption layer: `person_index_values`
gives, per index name of tracing.crypto.blind.INDEXES, the set of normalised strings to
hash for a stored person; `query_index_values` gives the same for a search query.
Both go through matching.normalize, so Mohammed, Maxamed and محمد give the same `token`
value ("mohammed"), and through matching.phonetic for the `phonetic` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import phonenumbers

from matching.normalize import NameToken, canonical_tokens, name_tokens
from matching.phonetic import phonetic_codes

INDEX_NAMES = ("full_name", "token", "phonetic", "year_token", "phone", "name_pair")
# Pairs of one name's parts: 3 parts give 3 pairs, 6 give 15. A longer name (a chain of
# ancestors' names) or many nickname/typo forms would add dozens of rows per person for little
# recall; the canonical parts' pairs come first, so up to six parts are always all paired.
MAX_PAIRS_PER_PERSON = 20
# A query's birth year is often an estimate (an age guessed at interview); so is the stored one.
QUERY_YEAR_TOLERANCE = 2


def normalise_tokens(name: str) -> list[str]:
    """Canonical name parts of a name in any script (variants, particles and compounds resolved)."""
    return canonical_tokens(name)


def normalise_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 form, or None when the number cannot be parsed."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _empty() -> dict[str, set[str]]:
    return {name: set() for name in INDEX_NAMES}


def token_forms(tokens: Iterable[NameToken]) -> set[str]:
    """Canonical forms to index for some name parts: each part, plus a nickname's formal names.

    Single letters (initials) are left out: they would put everyone into a few huge blocks.
    """
    return {form for t in tokens for form in t.forms if len(form) >= 2}


def token_index_values(names: Iterable[Sequence[NameToken]], years: Iterable[int] = ()) -> dict[str, set[str]]:
    """full_name, token, phonetic and year_token values of some already normalised names."""
    values = _empty()
    years = list(years)
    for tokens in names:
        forms = token_forms(tokens)
        if not forms:
            continue
        canon = sorted(t.canon for t in tokens if len(t.canon) >= 2)
        if canon:
            values["full_name"].add(" ".join(canon))
        values["token"].update(forms)
        for form in forms:
            values["phonetic"].update(phonetic_codes(form))
            values["year_token"].update(f"{year}|{form}" for year in years)
    return values


def pair_index_values(names: Iterable[Sequence[NameToken]]) -> set[str]:
    """`name_pair` values: two parts of one name, unordered ("abdi|mohammed"), at most
    MAX_PAIRS_PER_PERSON.

    Two common parts together are rare (many Mohammeds, many Hassans, far fewer Mohammed
    Hassans), so a pair stays selective where each part's `token` term is too frequent to
    rank on. Parts are the `token` forms (canonical variant, plus a nickname's formal names
    and a typo's nearest known names), so the same spellings meet as for `token`; pairs of
    canonical parts are kept before pairs involving another form when the cap bites.
    """
    canonical: set[str] = set()
    other: set[str] = set()
    for tokens in names:
        parts = [t for t in tokens if len(t.canon) >= 2]
        for i, left in enumerate(parts):
            for right in parts[i + 1 :]:
                for a in left.forms:
                    for b in right.forms:
                        if a == b or len(a) < 2 or len(b) < 2:
                            continue  # "Ali Ali" is one part twice, not a pair
                        pair = "|".join(sorted((a, b)))
                        (canonical if (a, b) == (left.canon, right.canon) else other).add(pair)
    kept = sorted(canonical)[:MAX_PAIRS_PER_PERSON]
    kept += sorted(other - canonical)[: MAX_PAIRS_PER_PERSON - len(kept)]
    return set(kept)


def name_index_values(names: Iterable[str], years: Iterable[int] = ()) -> dict[str, set[str]]:
    """full_name, token, phonetic and year_token values of some names in any script."""
    return token_index_values((name_tokens(n or "") for n in names), years)


def person_index_values(
    *, names: list[str], birth_year: int | None = None, phones: Iterable[str] = ()
) -> dict[str, set[str]]:
    """Index values of a stored person: every name it is known by, birth year, phones, and
    the pairs of each name's parts (stored persons only: matching compares stored persons,
    and a free-text search ranks on its own tokens)."""
    tokens = [name_tokens(n or "") for n in names]
    values = token_index_values(tokens, [birth_year] if birth_year else [])
    values["name_pair"] = pair_index_values(tokens)
    for phone in phones:
        e164 = normalise_phone(phone)
        if e164:
            values["phone"].add(e164)
    return values


def query_index_values(query: str, *, birth_year: int | None = None) -> dict[str, set[str]]:
    """Index values for a free-text search: a phone number, or a name.

    year_token values cover birth_year ± QUERY_YEAR_TOLERANCE, since enquirers often know
    the year only roughly.
    """
    if sum(ch.isdigit() for ch in query) >= 6:
        e164 = normalise_phone(query)
        if e164:
            return {"phone": {e164}}
    years = []
    if birth_year:
        years = range(birth_year - QUERY_YEAR_TOLERANCE, birth_year + QUERY_YEAR_TOLERANCE + 1)
    return name_index_values([query], years)
