"""rotate_keys: KEK re-wrap, subject re-keying (--data-keys) and blind-index rebuild (--index)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from cases.attachments import attachment_file_read, attachment_path
from cases.indexing import person_index_terms
from cases.models import Attachment, Person, PersonSearchTerm
from cases.selectors import person_search
from tests.crypto.conftest import FILE_BYTES, Keys, Populated, raw_tokens, read_all
from tracing.crypto import envelope, rotation
from tracing.crypto.datakeys import dek_bytes
from tracing.exceptions import DecryptionFailed
from tracing.models import DataKey

pytestmark = pytest.mark.django_db


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def live_keys() -> list[DataKey]:
    return list(DataKey.objects.filter(wrapped__isnull=False))


def wrapped_tokens() -> dict[Any, str]:
    return dict(DataKey.objects.values_list("id", "wrapped"))


def last_rotation_event() -> dict[str, Any]:
    return AuditEvent.objects.filter(event_type="keys.rotated").latest("seq").data


# --- KEK ------------------------------------------------------------------------------------


def test_kek_rotation_rewraps_every_key_and_retires_the_old_kek(keys: Keys, populated: Populated) -> None:
    before_values = read_all()
    before_tokens = raw_tokens()
    n_keys = len(live_keys())
    assert n_keys >= 6 and {k.kek_id for k in live_keys()} == {"old"}

    keys.use("new,old")
    out = rotate("--batch", "2")
    assert f"rewrapped={n_keys}" in out and "remaining=0" in out
    assert {k.kek_id for k in live_keys()} == {"new"}
    assert all(envelope.token_key_id(k.wrapped) == "new" for k in live_keys())
    assert last_rotation_event() == {"operation": "kek", "kek": "new", "rewrapped": n_keys, "skipped": 0,
                                     "unreadable": 0, "remaining": 0, "from": {"old": n_keys}}

    keys.use("new")  # the old KEK removed from the configuration
    assert read_all() == before_values
    assert raw_tokens() == before_tokens  # values are not touched by a KEK rotation

    keys.use("old")  # the old KEK alone opens nothing any more
    for key in live_keys():
        with pytest.raises(DecryptionFailed):
            dek_bytes(key)
    with pytest.raises(DecryptionFailed):
        read_all()


def test_kek_rotation_twice_changes_nothing_more(keys: Keys, populated: Populated) -> None:
    keys.use("new,old")
    rotate()
    after_first = wrapped_tokens()
    out = rotate()
    assert "rewrapped=0" in out
    assert wrapped_tokens() == after_first
    assert last_rotation_event()["rewrapped"] == 0


def test_reads_work_while_a_kek_rotation_is_half_done(keys: Keys, populated: Populated) -> None:
    before = read_all()
    keys.use("new,old")
    rotate("--batch", "1", "--limit", "2")
    assert sorted(k.kek_id for k in live_keys()).count("new") == 2
    assert read_all() == before  # new and old KEK side by side
    out = rotate("--batch", "3")
    assert "remaining=0" in out
    keys.use("new")
    assert read_all() == before


def test_kek_rotation_never_revives_a_shredded_key(keys: Keys, populated: Populated, monkeypatch: Any) -> None:
    """A key destroyed after the batch read it keeps no wrapped token (compare-and-set)."""
    keys.use("new,old")
    victim = populated.other_case.data_key_id
    real_unwrap = envelope.unwrap_cached

    def unwrap_then_erase(ring_get: Any, wrapped: str, data_key_id: str) -> bytes:
        dek = real_unwrap(ring_get, wrapped, data_key_id)
        if data_key_id == victim.hex:
            DataKey.objects.filter(id=victim).update(wrapped=None)
        return dek

    monkeypatch.setattr(envelope, "unwrap_cached", unwrap_then_erase)
    out = rotate()
    assert "skipped=1" in out
    assert DataKey.objects.get(id=victim).wrapped is None


# --- Data keys --------------------------------------------------------------------------------


def _token_key_ids() -> set[str]:
    return {envelope.token_key_id(t) for t in raw_tokens().values()}


def test_data_key_rotation_reseals_everything_and_shreds_old_keys(keys: Keys, populated: Populated) -> None:
    before = read_all()
    old_ids = {k.id for k in live_keys()}
    assert {k.hex for k in old_ids} >= _token_key_ids()
    attachment = Attachment.objects.get(pk=populated.attachment.pk)
    old_file_token = attachment_path(attachment.id).read_text()

    out = rotate("--data-keys", "--batch", "2")
    assert f"subjects={len(old_ids)}" in out

    # No stored token, live or history, names an old key; every old key is destroyed.
    assert not (_token_key_ids() & {k.hex for k in old_ids})
    assert all(k.wrapped is None and k.destroyed_at for k in DataKey.objects.filter(id__in=old_ids))
    assert {k.id for k in live_keys()}.isdisjoint(old_ids)
    assert len(live_keys()) == len(old_ids)
    assert read_all() == before

    attachment = Attachment.objects.select_related("data_key").get(pk=attachment.pk)
    new_file_token = attachment_path(attachment.id).read_text()
    assert new_file_token != old_file_token
    assert envelope.token_key_id(new_file_token) == attachment.data_key_id.hex
    assert attachment_file_read(attachment) == FILE_BYTES

    event = last_rotation_event()
    assert event["operation"] == "data_keys" and event["subjects"] == len(old_ids) and event["files"] == 1
    assert event["destroyed"] == len(old_ids) and event["values"] > 0
    assert event["values_by_model"]["cases.HistoricalPerson"] > 0


def test_data_key_rotation_resumed_twice_changes_nothing_more(keys: Keys, populated: Populated) -> None:
    cutoff = timezone.now().isoformat()
    rotate("--data-keys", "--before", cutoff)
    tokens = raw_tokens()
    out = rotate("--data-keys", "--before", cutoff)
    assert "subjects=0" in out and "values=0" in out
    assert raw_tokens() == tokens


def test_reads_work_while_a_data_key_rotation_is_half_done(
    keys: Keys, populated: Populated, monkeypatch: Any
) -> None:
    """Stopped after the rows were re-sealed and before the files: everything still reads,
    and the next run finishes the subject (file re-sealed, old key destroyed)."""
    before = read_all()
    sought_key = populated.sought.data_key_id

    def crash(_ids: Any) -> int:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(rotation, "_reseal_files", crash)
    cutoff = timezone.now().isoformat()
    with pytest.raises(RuntimeError):
        rotate("--data-keys", "--before", cutoff)
    monkeypatch.undo()
    old = DataKey.objects.get(id=sought_key)
    assert old.retired_at is not None and old.wrapped is not None  # retired, not yet destroyed
    attachment = Attachment.objects.select_related("data_key").get(pk=populated.attachment.pk)
    assert attachment.data_key_id == rotation.replacement_key_id(sought_key)
    assert envelope.token_key_id(attachment_path(attachment.id).read_text()) == sought_key.hex
    assert attachment_file_read(attachment) == FILE_BYTES  # the file names its (old) key
    assert read_all() == before

    n_keys = DataKey.objects.filter(retired_at__isnull=False, wrapped__isnull=False).count()
    assert n_keys == 6  # the whole batch stopped between its rows and its files
    out = rotate("--data-keys", "--before", cutoff)
    assert "subjects=0, resumed=6" in out
    assert DataKey.objects.get(id=sought_key).wrapped is None
    assert envelope.token_key_id(attachment_path(attachment.id).read_text()) == attachment.data_key_id.hex
    assert attachment_file_read(attachment) == FILE_BYTES
    assert read_all() == before
    assert DataKey.objects.filter(retired_at__isnull=False, wrapped__isnull=False).count() == 0


def test_reads_work_after_a_partial_data_key_rotation(keys: Keys, populated: Populated) -> None:
    before = read_all()
    cutoff = timezone.now().isoformat()
    rotate("--data-keys", "--limit", "2", "--batch", "1", "--before", cutoff)  # two subjects only
    assert DataKey.objects.filter(destroyed_at__isnull=False).count() == 2
    assert read_all() == before
    assert "subjects=4" in rotate("--data-keys", "--before", cutoff)
    assert read_all() == before


def test_rows_written_under_a_stale_key_are_caught_before_the_shred(keys: Keys, populated: Populated) -> None:
    """A row the application saved with the old key during the batch is moved too."""
    from cases.models import Note

    note = Note.objects.select_related("data_key").get(pk=populated.note.pk)
    old_key = note.data_key
    rotate("--data-keys", "--limit", "1", "--batch", "1")
    mapping = {old_key.id: rotation.replacement_key_id(old_key.id)}
    if not DataKey.objects.filter(id=mapping[old_key.id]).exists():
        rotate("--data-keys")  # the case key was not the first one: rotate the rest
    # Simulate the stale write: the old key and an old token put back on the row.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_note SET data_key_id = %s WHERE id = %s",
                       [old_key.id.hex if connection.vendor == "sqlite" else old_key.id,
                        note.id.hex if connection.vendor == "sqlite" else note.id])
    DataKey.objects.filter(id=old_key.id).update(wrapped=old_key.wrapped, destroyed_at=None)
    counts = rotation.reseal_rows(mapping, rotation._Deks([old_key]))
    assert counts.rows == 1
    assert Note.objects.get(pk=note.pk).data_key_id == mapping[old_key.id]


# --- Blind index ----------------------------------------------------------------------------


def _names(hits: list) -> set[str]:
    return {h.person.display_name for h in hits}


def _search_works(personas: Any) -> None:
    user = personas.caseworker
    assert _names(person_search(user=user, query="Mohammed Abdi Hassan")) == {"Mohammed Abdi Hassan"}
    assert _names(person_search(user=user, query="Hasan Muhamed")) == {"Mohammed Abdi Hassan"}
    assert _names(person_search(user=user, query="محمد حسن")) == {"Mohammed Abdi Hassan"}
    hits = person_search(user=user, query="+31 6 12345678")
    assert [(h.person.role, h.person.display_name) for h in hits] == [("enquirer", "Amina Yusuf")]
    assert _names(person_search(user=user, query="Kovalenko")) == {"Olena Kovalenko", "Taras Kovalenko"}
    assert person_search(user=user, query="Zebedee Quartermaine") == []


def test_index_rebuild_under_a_new_key(keys: Keys, populated: Populated, personas: Any) -> None:
    n_persons = 4
    assert set(PersonSearchTerm.objects.values_list("key_version", flat=True)) == {"iold"}
    old_terms = set(PersonSearchTerm.objects.values_list("person_id", "index", "term"))

    keys.use(index="inew,iold")
    _search_works(personas)  # old terms, found through the second listed version
    out = rotate("--index", "--batch", "3")
    assert f"persons={n_persons}" in out and "remaining=0" in out
    assert set(PersonSearchTerm.objects.values_list("key_version", flat=True)) == {"inew"}
    new_terms = set(PersonSearchTerm.objects.values_list("person_id", "index", "term"))
    # Exactly the terms under the new key. (Not "none in common with the old ones": terms are
    # truncated to 14-16 bits, so an old and a new term of one person coincide now and then,
    # and two values of one person can share a term under one key and not the other.)
    expected = {(p.pk, t.index, t.term) for p in Person.objects.all() for t in person_index_terms(p, version="inew")}
    assert new_terms == expected and len(new_terms & old_terms) < 3
    assert last_rotation_event()["old_terms_deleted"] == len(old_terms)

    keys.use(index="inew")
    _search_works(personas)
    assert "persons=0" in rotate("--index")  # nothing more to do


def test_search_works_while_an_index_rebuild_is_half_done(keys: Keys, populated: Populated, personas: Any) -> None:
    keys.use(index="inew,iold")
    out = rotate("--index", "--limit", "1")
    assert "remaining=3" in out and "old_terms_deleted=0" in out
    assert set(PersonSearchTerm.objects.values_list("key_version", flat=True)) == {"inew", "iold"}
    _search_works(personas)
    rotate("--index")
    keys.use(index="inew")
    _search_works(personas)
