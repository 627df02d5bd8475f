"""The person fields a list may fill, and the checks of one row.

`row_check` turns one row (target field -> cell text) into the data `cases` writes, or a
list of problems (column, message). It never raises for bad data: every problem of every
row is reported at once by the dry run.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Sex
from cases.partial_dates import PartialDate
from matching.keys import normalise_phone

#: Target fields of a person list, in the order the mapping form shows them.
TARGETS: dict[str, Any] = {
    "given_names": gettext_lazy("Given names"),
    "family_name": gettext_lazy("Family name"),
    "full_name": gettext_lazy("Full name (when not split)"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth or age"),
    "birth_place": gettext_lazy("Place of birth"),
    "nationality": gettext_lazy("Nationality (ISO country code)"),
    "father_name": gettext_lazy("Father's name"),
    "mother_name": gettext_lazy("Mother's name"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "address": gettext_lazy("Address"),
    "description": gettext_lazy("Description"),
    "last_place": gettext_lazy("Last known place"),
    "last_country": gettext_lazy("Country of the last known place (ISO code)"),
    "last_date": gettext_lazy("Date at the last known place"),
}

#: Header texts recognised without a mapping (lower case, spaces and punctuation removed).
_SYNONYMS = {
    "given_names": {"givennames", "givenname", "firstname", "firstnames", "forename", "voornaam", "voornamen"},
    "family_name": {"familyname", "surname", "lastname", "achternaam"},
    "full_name": {"fullname", "name", "naam"},
    "sex": {"sex", "gender", "geslacht"},
    "birth_date": {"birthdate", "dateofbirth", "dob", "born", "age", "geboortedatum"},
    "birth_place": {"birthplace", "placeofbirth", "geboorteplaats"},
    "nationality": {"nationality", "citizenship", "nationaliteit"},
    "father_name": {"fathername", "fathersname", "father"},
    "mother_name": {"mothername", "mothersname", "mother"},
    "phone": {"phone", "telephone", "mobile", "phonenumber", "telefoon"},
    "email": {"email", "emailaddress", "mail"},
    "address": {"address", "adres"},
    "description": {"description", "remarks", "notes", "omschrijving"},
    "last_place": {"lastplace", "lastknownplace", "location", "place", "camp"},
    "last_country": {"lastcountry", "country", "land"},
    "last_date": {"lastdate", "lastseen", "registrationdate", "date"},
}

_MAX_LENGTH = {
    "given_names": 200, "family_name": 200, "full_name": 200, "birth_place": 200, "father_name": 200,
    "mother_name": 200, "phone": 40, "email": 254, "address": 1000, "description": 4000, "last_place": 200,
}

#: ISO 3166-1 alpha-2 codes: the regions phonenumbers knows (every country and territory
#: with a telephone plan) plus Kosovo's user-assigned code used by UN agencies.
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"XK"}

_SEX = {
    "f": Sex.FEMALE, "female": Sex.FEMALE, "woman": Sex.FEMALE, "v": Sex.FEMALE, "vrouw": Sex.FEMALE,
    "m": Sex.MALE, "male": Sex.MALE, "man": Sex.MALE,
    "o": Sex.OTHER, "other": Sex.OTHER, "x": Sex.OTHER,
    "u": Sex.UNKNOWN, "unknown": Sex.UNKNOWN, "?": Sex.UNKNOWN,
}

# A cell a spreadsheet would run as a formula. "+" and "-" start phone numbers and
# negative numbers too, so those are refused only when followed by more than digits.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().\-/]*$))")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Column index (as text) -> target, for headers we recognise; each target once."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(columns):
        key = re.sub(r"[^a-z]", "", (header or "").lower())
        for target, names in _SYNONYMS.items():
            if key in names and target not in taken:
                mapping[str(index)] = target
                taken.add(target)
                break
    return mapping


def cell_problem(value: str) -> str | None:
    """Why a raw cell is refused whatever column it is in, or None."""
    if _FORMULA.match(value):
        return _("Looks like a spreadsheet formula; formulas are refused.")
    if _CONTROL.search(value):
        return _("Contains control characters.")
    return None


def _country(value: str) -> str | None:
    code = value.strip().upper()
    return code if code in COUNTRIES else None


def _date(value: str) -> tuple[PartialDate | None, str | None]:
    try:
        return PartialDate.parse(value), None
    except ValueError as exc:
        return None, _("Bad date: %s") % exc


def row_check(values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(person data for cases.actions.bulk, problems as (target field, message))."""
    problems: list[tuple[str, str]] = []
    v = {k: (s or "").strip() for k, s in values.items() if k in TARGETS}
    for field, limit in _MAX_LENGTH.items():
        if len(v.get(field, "")) > limit:
            problems.append((field, _("Too long (at most %d characters).") % limit))
    given, family = v.get("given_names", ""), v.get("family_name", "")
    if not (given or family) and v.get("full_name"):
        given = v["full_name"]
    if not (given or family):
        problems.append(("given_names" if "given_names" in values else "full_name", _("Missing name.")))
    data: dict[str, Any] = {"names": [{"given_names": given, "family_name": family}]}
    for field in ("birth_place", "father_name", "mother_name", "address", "description"):
        if v.get(field):
            data[field] = v[field]
    if v.get("sex"):
        sex = _SEX.get(v["sex"].lower())
        if sex is None:
            problems.append(("sex", _("Unknown sex; use female, male, other or unknown.")))
        data["sex"] = sex or ""
    if v.get("birth_date"):
        data["birth_date"], problem = _date(v["birth_date"])
        if problem:
            problems.append(("birth_date", problem))
    if v.get("nationality"):
        data["nationality"] = _country(v["nationality"]) or ""
        if not data["nationality"]:
            problems.append(("nationality", _("Unknown country; use a two-letter ISO code such as SY or KE.")))
    if v.get("phone"):
        data["phone"] = normalise_phone(v["phone"]) or ""
        if not data["phone"]:
            problems.append(("phone", _("Not a phone number with its country code.")))
    if v.get("email"):
        try:
            validate_email(v["email"])
            data["email"] = v["email"]
        except ValidationError:
            problems.append(("email", _("Not an email address.")))
    place: dict[str, Any] = {"place": v.get("last_place", "")}
    if v.get("last_country"):
        place["country"] = _country(v["last_country"]) or ""
        if not place["country"]:
            problems.append(("last_country", _("Unknown country; use a two-letter ISO code such as SY or KE.")))
    if v.get("last_date"):
        place["date"], problem = _date(v["last_date"])
        if problem:
            problems.append(("last_date", problem))
    if place["place"]:
        data["places"] = [place]
    elif len(place) > 1:
        problems.append(("last_place", _("A country or date of the last place needs the place too.")))
    return data, problems
