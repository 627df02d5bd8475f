"""Fixtures of the encryption tests: keys set per test, and a case with every kind of
encrypted data (Latin and Arabic names, phone, places, note, disclosure, attachment, history)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from tests.factories import sample_case_data
from tracing.crypto import blind
from tracing.crypto.fields import ENCRYPTED_MODELS
from tracing.crypto.keys import new_key_b64, reset_key_cache

NOTE_TEXT = "Met the uncle near Ifo market on Tuesday"
DISCLOSURE_TEXT = "Lives with an aunt in Garissa"
FILE_MARKER = b"PASSPORT-SCAN-OF-HASSAN-7731"
FILE_BYTES = b"%PDF-1.4\n" + FILE_MARKER + b"\n%%EOF\n"
FILENAME = "passport-hassan.pdf"
UPDATED_DESCRIPTION = "Scar above the left eyebrow"

#: Plaintext that must never appear in the database or in a file on disk.
PLAINTEXTS = [
    "Amina", "Yusuf", "Mohammed", "Hassan", "محمد", "عبدي", "حسن", "+31612345678", "12345678",
    "amina.enquirer@example.org", "Keizersgracht", "Kismayo", "Dadaab", "Fled fighting", "1988",
    NOTE_TEXT, "Ifo market", DISCLOSURE_TEXT, "Garissa", FILENAME, UPDATED_DESCRIPTION, "eyebrow",
]


@dataclass
class Keys:
    """Named KEKs and index keys; `use` configures some of them, the first being current."""

    settings: Any
    keks: dict[str, str] = field(default_factory=lambda: {n: new_key_b64() for n in ("old", "new", "other")})
    index: dict[str, str] = field(default_factory=lambda: {n: new_key_b64() for n in ("iold", "inew")})

    def use(self, keks: str | None = None, index: str | None = None) -> None:
        if keks is not None:
            self.settings.TRACING_KEKS = ",".join(f"{k}:{self.keks[k]}" for k in keks.split(","))
        if index is not None:
            self.settings.TRACING_INDEX_KEYS = ",".join(f"{k}:{self.index[k]}" for k in index.split(","))
        reset_key_cache()
        blind.reset()


@pytest.fixture
def keys(settings: Any) -> Iterator[Keys]:
    ring = Keys(settings)
    ring.use("old", "iold")
    yield ring
    # pytest-django restores the settings after this; nothing may keep these keys cached.
    reset_key_cache()
    blind.reset()


@dataclass
class Populated:
    case: Any
    enquirer: Any
    sought: Any
    other_case: Any
    note: Any
    attachment: Any
    disclosure: Any


@pytest.fixture
def populated(keys: Keys, personas: Any) -> Populated:
    from cases.actions import (
        attachment_add,
        case_open,
        consent_record,
        contact_disclose,
        note_add,
        person_update,
    )

    case = case_open(acting_user=personas.caseworker, **sample_case_data())
    enquirer = case.persons.get(role="enquirer")
    sought = case.persons.get(role="sought")
    other = sample_case_data()
    other["enquirer"] = {"names": [{"given_names": "Olena", "family_name": "Kovalenko"}],
                         "phone": "+380 44 123 4567"}
    other["sought"][0]["names"] = [{"given_names": "Taras", "family_name": "Kovalenko"}]
    other_case = case_open(acting_user=personas.caseworker, **other)
    note = note_add(acting_user=personas.caseworker, case_id=case.id, body=NOTE_TEXT, visibility="internal")
    attachment = attachment_add(acting_user=personas.caseworker, case_id=case.id, filename=FILENAME,
                                content=FILE_BYTES, person_id=sought.id, description="Passport scan")
    # A second version of the sought person, so history rows hold two different tokens.
    person_update(acting_user=personas.caseworker, person_id=sought.id, data={"description": UPDATED_DESCRIPTION})
    consent_record(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id,
                   scope="share_contact", source="phone")
    disclosure = contact_disclose(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id,
                                  kind="contact", content=DISCLOSURE_TEXT)
    return Populated(case=case, enquirer=enquirer, sought=sought, other_case=other_case, note=note,
                     attachment=attachment, disclosure=disclosure)


def encrypted_columns() -> list[tuple[type, str, str]]:
    """(model, table, column) of every encrypted field, history tables included."""
    return [
        (model, model._meta.db_table, model._meta.get_field(name).column)
        for model, names in ENCRYPTED_MODELS.items()
        if model._meta.managed
        for name in names
    ]


def raw_tokens() -> dict[tuple[str, str, str], str]:
    """Every stored encrypted value, by (table, column, row pk), read with raw SQL."""
    found: dict[tuple[str, str, str], str] = {}
    with connection.cursor() as cursor:
        for model, table, column in encrypted_columns():
            pk = model._meta.pk.column
            q = connection.ops.quote_name
            cursor.execute(f"SELECT {q(pk)}, {q(column)} FROM {q(table)} WHERE {q(column)} IS NOT NULL")  # noqa: S608
            for row_pk, value in cursor.fetchall():
                found[(table, column, str(row_pk))] = value
    return found


def read_all() -> dict[tuple[str, str, str], Any]:
    """Every encrypted value opened through the field layer, by (model, field, row pk)."""
    values: dict[tuple[str, str, str], Any] = {}
    for model, names in ENCRYPTED_MODELS.items():
        for obj in model._base_manager.all():
            for name in names:
                values[(model._meta.label, name, str(obj.pk))] = str(getattr(obj, name))
    return values
