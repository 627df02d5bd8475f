"""What a stolen database dump or media folder shows: ciphertext only, bound to its place."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import connection, transaction

from audit.history import MaintenanceReason, maintenance_bulk_writes
from cases.attachments import attachment_file_read, attachment_path
from cases.models import Case, Note, Person, PersonName
from tests.crypto.conftest import (
    FILE_BYTES,
    FILE_MARKER,
    NOTE_TEXT,
    PLAINTEXTS,
    Populated,
    encrypted_columns,
    raw_tokens,
    read_all,
)
from tracing.crypto.fields import ENCRYPTED_MODELS, PlaintextLeak
from tracing.exceptions import DecryptionFailed
from tracing.models import OutboxMessage

pytestmark = pytest.mark.django_db

# Ciphertext, keys, hashes and ids: long runs of base64 or hex, where a short plaintext such as a
# year can turn up by chance. No plaintext of the fixture is such a run (they have spaces, dots, @).
OPAQUE = re.compile(r"[0-9A-Za-z_+/=$-]{20,}")
TOKEN = re.compile(r"v1\$[0-9A-Za-z-]+\$[0-9A-Za-z_-]+")


def _payload(token: str) -> bytes:
    body = token.rsplit("$", 1)[1]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _raw_update(table: str, column: str, value: Any, pk: Any, pk_column: str = "id") -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(table)} SET {q(column)} = %s WHERE {q(pk_column)} = %s",  # noqa: S608
            [value, pk.hex if connection.vendor == "sqlite" else pk],
        )


def test_every_encrypted_column_holds_only_ciphertext(populated: Populated) -> None:
    tokens = raw_tokens()
    tables = {table for (table, _c, _p) in tokens}
    # Live and history tables of every kind of record the fixture wrote are covered.
    for expected in ("cases_person", "cases_historicalperson", "cases_personname", "cases_historicalpersonname",
                     "cases_personplace", "cases_note", "cases_attachment", "cases_disclosure", "cases_case",
                     "cases_historicaldisclosure", "cases_historicalnote"):
        assert expected in tables
    assert len(tokens) > 60
    assert all(TOKEN.fullmatch(value) for value in tokens.values())
    # Searched in the headers and in the decoded payload bytes, not in the base64 text: a short
    # plaintext such as a year turns up by chance in enough random base64 (it once did, in CI).
    headers = "\n".join(value.rsplit("$", 1)[0] for value in tokens.values()).casefold()
    payloads = b"\n".join(_payload(value) for value in tokens.values())
    assert [p for p in PLAINTEXTS if p.casefold() in headers] == []
    assert [p for p in PLAINTEXTS if p.encode() in payloads] == []
    # Every encrypted column of every model in the registry was read, not just some.
    assert {(t, c) for _m, t, c in encrypted_columns()} >= {(t, c) for (t, c, _p) in tokens}
    assert len(encrypted_columns()) == sum(len(v) for m, v in ENCRYPTED_MODELS.items() if m._meta.managed)


def _cell(value: Any) -> str:
    """A column value as text, without the digits chance puts there: a timestamp's microseconds
    (198812 holds the fixture's 1988, and failed this test once) or a score's long fraction."""
    if isinstance(value, (dt.datetime, dt.time)):
        return value.isoformat(timespec="seconds")
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def test_no_table_of_the_database_holds_plaintext(populated: Populated) -> None:
    """Not just the encrypted columns: audit events, search terms, outbox, everything."""
    q = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {q(table)}")  # noqa: S608
            # Row ids and sequence numbers left out: on PostgreSQL sequences run on across tests,
            # and a staff profile's id once was 1988, the fixture's birth year.
            names = [col[0] for col in cursor.description]
            keep = [i for i, name in enumerate(names) if not (name in ("id", "seq") or name.endswith("_id"))]
            rows = (" | ".join(_cell(row[i]) for i in keep) for row in cursor.fetchall())
            text = OPAQUE.sub(" ", "\n".join(rows)).casefold()
            found += [(table, p) for p in PLAINTEXTS if p.casefold() in text]
    assert found == []


def test_files_on_disk_are_sealed(populated: Populated) -> None:
    files = list(Path(settings.MEDIA_ROOT).rglob("*"))
    assert attachment_path(populated.attachment.id) in files
    for path in files:
        if path.is_file():
            raw = path.read_bytes()
            assert FILE_MARKER not in raw and b"%PDF" not in raw
            assert [p for p in PLAINTEXTS if p.encode() in raw] == []
    assert attachment_file_read(populated.attachment) == FILE_BYTES


def test_everything_reads_back(populated: Populated) -> None:
    values = read_all()
    assert NOTE_TEXT in values.values()
    assert "Mohammed Abdi Hassan" in values.values()
    assert "حسن" in values.values()


def test_same_value_twice_gives_different_ciphertexts(populated: Populated) -> None:
    person = Person.objects.get(pk=populated.sought.pk)
    person.father_name = "Abdi"
    person.mother_name = "Abdi"
    person.save(update_fields=["father_name", "mother_name"])
    again = Person.objects.get(pk=populated.sought.pk)
    assert again.father_name == again.mother_name == "Abdi"
    first, second = again.__dict__["father_name"].token, again.__dict__["mother_name"].token
    assert first != second
    again.nationality = "Abdi"
    again.save(update_fields=["nationality"])
    third = Person.objects.get(pk=populated.sought.pk).__dict__["nationality"].token
    assert third not in (first, second)
    # Equal lengths too: names are padded, so ciphertext length does not give the name away.
    assert len(first) == len(second) == len(third)


def test_ciphertext_copied_to_another_row_fails(populated: Populated) -> None:
    # Two names of the same person: same data key, so only the record id in the AAD differs.
    latin, arabic = PersonName.objects.filter(person=populated.sought).order_by("kind")
    assert latin.data_key_id == arabic.data_key_id
    _raw_update("cases_personname", "family_name", latin.__dict__["family_name"].token, arabic.id)
    moved = PersonName.objects.get(pk=arabic.pk)
    with pytest.raises(DecryptionFailed):
        _ = moved.family_name
    assert PersonName.objects.get(pk=latin.pk).family_name == "Hassan"


def test_ciphertext_copied_to_another_field_fails(populated: Populated) -> None:
    person = Person.objects.get(pk=populated.sought.pk)
    _raw_update("cases_person", "nationality", person.__dict__["birth_place"].token, person.id)
    moved = Person.objects.get(pk=person.pk)
    assert moved.birth_place == "Kismayo"
    with pytest.raises(DecryptionFailed):
        _ = moved.nationality


def test_ciphertext_copied_to_another_table_fails(populated: Populated) -> None:
    note = Note.objects.get(pk=populated.note.pk)
    case = Case.objects.get(pk=populated.case.pk)
    assert note.data_key_id == case.data_key_id  # same key: only the AAD tells them apart
    _raw_update("cases_case", "state_reason_detail", note.__dict__["body"].token, case.id)
    with pytest.raises(DecryptionFailed):
        _ = Case.objects.get(pk=case.pk).state_reason_detail
    assert Note.objects.get(pk=note.pk).body == NOTE_TEXT


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),  # body bit flips
        lambda t: t[:-10],  # truncated
        lambda t: "v2" + t[2:],  # unknown version
        lambda t: t.replace("$", "|"),  # not a token at all
        lambda t: "v1$" + "0" * 32 + t[t.index("$", 3) :],  # header names another (missing) key
    ],
)
def test_corrupted_ciphertext_raises(populated: Populated, corrupt: Any) -> None:
    note = Note.objects.get(pk=populated.note.pk)
    _raw_update("cases_note", "body", corrupt(note.__dict__["body"].token), note.id)
    with pytest.raises(DecryptionFailed):
        _ = Note.objects.get(pk=note.pk).body


def test_plaintext_cannot_be_written_or_compared(populated: Populated) -> None:
    # Each attempt in its own savepoint: a refused write marks the transaction for rollback.
    with pytest.raises(PlaintextLeak), transaction.atomic(), maintenance_bulk_writes(MaintenanceReason.REENCRYPTION):
        Person.objects.filter(pk=populated.sought.pk).update(display_name="Mohammed Abdi Hassan")
    with pytest.raises(PlaintextLeak), transaction.atomic():
        OutboxMessage.objects.all().update(body="Mohammed Abdi Hassan")
    with pytest.raises(FieldError), transaction.atomic():
        list(Person.objects.filter(display_name="Mohammed Abdi Hassan"))
    with pytest.raises(FieldError), transaction.atomic():
        list(Person.objects.filter(birth_place__icontains="Kismayo"))
    assert Person.objects.get(pk=populated.sought.pk).display_name == "Mohammed Abdi Hassan"
    assert "Mohammed" not in "".join(raw_tokens().values())
