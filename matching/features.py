"""Per-record features computed once (normalised names, dates, places, phones) for scoring."""

from __future__ import annotations

import re
from dataclasses import dataclass

from matching.dates import PartialDate, parse_partial_date
from matching.keys import normalise_phone
from matching.normalize import NameToken, name_tokens, normalise_place
from matching.records import PersonRecord

_SEX = {
    "m": "m", "male": "m", "man": "m", "boy": "m", "h": "m", "homme": "m",
    "ذكر": "m", "мужской": "m", "чоловіча": "m", "ч": "m", "м": "m", "ወንድ": "m", "ተባዕታይ": "m",
    "f": "f", "female": "f", "woman": "f", "girl": "f", "femme": "f", "w": "f",
    "أنثى": "f", "انثى": "f", "женский": "f", "жіноча": "f", "ж": "f", "ሴት": "f", "ኣንስታይ": "f",
}  # fmt: skip
_PHONE_SPLIT = re.compile(r"[;,/]")
_NON_DIGIT = re.compile(r"\D")


def normalise_sex(raw: str | None) -> str | None:
    return _SEX.get((raw or "").strip().casefold())


def normalise_phones(raw: str | None) -> frozenset[str]:
    """E.164 numbers, or bare digits when a number has no country code to parse with."""
    phones = set()
    for part in _PHONE_SPLIT.split(raw or ""):
        e164 = normalise_phone(part) if part.strip().startswith(("+", "00")) else None
        digits = e164 or _NON_DIGIT.sub("", part)
        if len(digits) >= 6:
            phones.add(digits)
    return frozenset(phones)


@dataclass(frozen=True, slots=True)
class Features:
    record: PersonRecord
    name: tuple[NameToken, ...]
    given: tuple[NameToken, ...]
    family: tuple[NameToken, ...]
    other: tuple[NameToken, ...]
    birth: PartialDate | None
    sex: str | None
    birth_place: str
    last_place: str
    father: tuple[NameToken, ...]
    mother: tuple[NameToken, ...]
    phones: frozenset[str]


def features(record: PersonRecord) -> Features:
    """Normalise every field of a record once, so that scoring many pairs stays cheap."""
    return Features(
        record=record,
        name=name_tokens(record.full_name),
        given=name_tokens(record.given_names or ""),
        family=name_tokens(record.family_name or ""),
        other=name_tokens(record.other_names or ""),
        birth=parse_partial_date(record.birth_date),
        sex=normalise_sex(record.sex),
        birth_place=normalise_place(record.birth_place or ""),
        last_place=normalise_place(record.last_known_place or ""),
        father=name_tokens(record.father_name or ""),
        mother=name_tokens(record.mother_name or ""),
        phones=normalise_phones(record.phone),
    )
