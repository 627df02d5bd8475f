"""Plain person records: what matching compares, built from CSV rows or decrypted model fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as registered by one office. Every field but id may be missing (None)."""

    id: str
    given_names: str | None = None
    family_name: str | None = None
    other_names: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    birth_place: str | None = None
    last_known_place: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_name) if p)

    @classmethod
    def from_mapping(cls, row: Mapping[str, str | None]) -> PersonRecord:
        """Build from a dict (CSV row); unknown keys are ignored, blanks become None."""
        values = {}
        for f in fields(cls):
            raw = row.get(f.name)
            text = raw.strip() if isinstance(raw, str) else raw
            values[f.name] = text or None
        if not values["id"]:
            raise ValueError("id is missing")
        return cls(**values)


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(PersonRecord))
