"""Partial dates of birth (1988, 1988-03, 1988-03-12, ~1988) and how close two of them are."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MIN_YEAR, MAX_YEAR = 1850, 2100
_APPROX = re.compile(r"^\s*(?:~|c\.?|ca\.?|circa|about|approx\.?|approximately)\s*", re.I)
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day; `approximate` for estimates."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return ("~" if self.approximate else "") + text


def _valid(year: int, month: int | None, day: int | None) -> tuple[int | None, int | None]:
    # "00" and impossible parts mean "unknown": keep what is certain rather than reject.
    if not month or not 1 <= month <= 12:
        return None, None
    if not day:
        return month, None
    try:
        date(year, month, day)
    except ValueError:
        return month, None
    return month, day


def parse_partial_date(text: str | None) -> PartialDate | None:
    """Parse YYYY, YYYY-MM, YYYY-MM-DD (also DD/MM/YYYY, MM/YYYY, "~1988", "1988?").

    Returns None for anything else; never raises.
    """
    if not text:
        return None
    raw = str(text).strip()
    approximate = bool(_APPROX.match(raw)) or raw.endswith("?")
    raw = _APPROX.sub("", raw).rstrip("?").strip()
    if m := _ISO.match(raw):
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
    elif m := _DMY.match(raw):
        year, month, day = int(m[3]), int(m[2]), int(m[1])
    elif m := _MY.match(raw):
        year, month, day = int(m[2]), int(m[1]), None
    else:
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    month, day = _valid(year, month or None, day or None)
    return PartialDate(year, month, day, approximate)


def birth_year_from_age(age: int, on: date) -> PartialDate:
    """An approximate birth date from an age stated on a given day."""
    return PartialDate(on.year - age, approximate=True)


DATE_LEVELS = ("exact", "month", "year", "near", "approx", "disagree")


def compare_dates(a: PartialDate | None, b: PartialDate | None) -> str:
    """Comparison level of two partial dates (DATE_LEVELS, or "missing").

    Differing precision is not disagreement: 1988 and 1988-03-12 agree at "year".
    Day and month swapped (US against European order) still count as "month".
    """
    if a is None or b is None:
        return "missing"
    gap = abs(a.year - b.year)
    if gap == 0:
        if a.month and b.month:
            if a.month == b.month:
                return "exact" if a.day and a.day == b.day else "month"
            if a.day and b.day and (a.month, a.day) == (b.day, b.month):
                return "month"
        return "year"
    if gap == 1:
        return "near"
    tolerance = 5 if a.approximate or b.approximate else 3
    return "approx" if gap <= tolerance else "disagree"
