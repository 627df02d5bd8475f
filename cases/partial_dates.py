"""Partial dates: year only, year and month, full date, or approximate ("~1988")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

_PATTERN = re.compile(r"^(~)?(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> PartialDate:
        """Parse 'YYYY', 'YYYY-MM', 'YYYY-MM-DD', '~YYYY' or an age such as 'age 35'."""
        raw = (text or "").strip()
        age = re.match(r"^(?:age\s*)?(\d{1,3})\s*(?:y|yrs|years)?$", raw, re.IGNORECASE)
        if age and len(age.group(1)) < 4:
            years = int(age.group(1))
            if years > 130:
                raise ValueError(_("An age must be under 130 years."))
            return cls(year=(today or timezone.localdate()).year - years, approximate=True)
        match = _PATTERN.match(raw)
        if not match:
            raise ValueError(_("Enter a date as YYYY, YYYY-MM or YYYY-MM-DD (prefix ~ if approximate)."))
        approx, year, month, day = match.groups()
        value = cls(int(year), int(month) if month else None, int(day) if day else None, bool(approx))
        value.validate(today=today)
        return value

    def validate(self, *, today: date | None = None) -> None:
        today = today or timezone.localdate()
        if not 1850 <= self.year <= today.year:
            raise ValueError(_("The year must be between 1850 and this year."))
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(_("The month must be between 1 and 12."))
        if self.day is not None:
            if self.month is None:
                raise ValueError(_("A day needs a month."))
            try:
                full = date(self.year, self.month, self.day)
            except ValueError as exc:
                raise ValueError(_("That day does not exist in that month.")) from exc
            if full > today:
                raise ValueError(_("The date cannot be in the future."))

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return ("~" if self.approximate else "") + text
