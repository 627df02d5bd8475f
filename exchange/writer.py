"""Writing a received list: one register case per batch, its persons in chunks.

Persons are encrypted and indexed exactly as `cases.actions.bulk` writes them (their own
data keys, the same blind-index terms), so matching finds them like any other person.
This module is the one place that reaches into the bulk writer's building blocks.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.actions import bulk
from cases.models import Case, CaseKind, NameKind, Note, NoteVisibility, PersonRole, SeparationCause
from cases.workflow import State
from exchange.models import ImportBatch, ImportedRecord
from tracing.crypto import blind
from tracing.crypto.datakeys import data_key_create
from tracing.models import Office, Role
from tracing.permissions import actor_for


def register_create(*, acting_user: Any, office: Office, batch: ImportBatch) -> Case:
    """The register (Case.kind "register") that holds one batch's persons."""
    reference = bulk._reserve_references(office, 1)[0]
    now = timezone.now()
    # A caseworker who sees only assigned cases must still see the list they imported.
    assignee = acting_user if actor_for(acting_user).role == Role.CASEWORKER else None
    case = Case(
        reference=reference, office=office, kind=CaseKind.REGISTER, created_by=acting_user,
        assigned_to=assignee, data_key=data_key_create(purpose="case"), state=State.RECEIVED,
        separation_cause=SeparationCause.OTHER, created_at=now, updated_at=now, last_activity_at=now,
        separation_circumstances=_("Received list: %s") % batch.label,
    )
    case.save(force_insert=True)
    return case


def persons_write(*, acting_user: Any, register: Case, rows: list[tuple[int, dict[str, Any], str]],
                  batch: ImportBatch, terms_cache: dict) -> list[Any]:
    """Write (row number, person data, source id) as persons of the register; returns their ids.

    Called inside the chunk's transaction: all rows of the chunk are built (and validated)
    before the first INSERT.
    """
    version = blind.active_versions()[0]
    out = bulk._Batch()
    keys = bulk.data_keys_new(purpose="person", count=len(rows))
    out.keys = list(keys)
    for (_number, data, _source), key in zip(rows, keys, strict=True):
        bulk._build_person(out, register, PersonRole.LISTED, data, key, terms_cache, version)
    bulk._write_batch(out, acting_user=acting_user, size=max(len(rows), 1))
    records = [
        ImportedRecord(batch=batch, office_id=register.office_id, person=person, source_id=source, row=number)
        for (number, _data, source), person in zip(rows, out.persons, strict=True)
        if source
    ]
    ImportedRecord.objects.bulk_create(records)
    return [p.id for p in out.persons]


def pfif_notes_write(*, acting_user: Any, register: Case, notes: list[dict[str, str]]) -> int:
    """PFIF notes about imported persons become internal notes of the register (sealed)."""
    actor = actor_for(acting_user)
    for note in notes:
        body = _("PFIF note %(id)s about %(person)s (%(status)s, %(date)s):\n%(text)s") % {
            "id": note["note_record_id"], "person": note["person_record_id"],
            "status": note.get("status") or "-", "date": note["source_date"], "text": note["text"],
        }
        Note.objects.create(case=register, data_key=register.data_key, author=acting_user,
                            author_office_id=actor.office_id, visibility=NoteVisibility.INTERNAL, body=body)
    return len(notes)


def alias_names(data: dict[str, Any], aliases: list[str]) -> None:
    """Add PFIF alternate_names as alias names (they are indexed, so matching finds them)."""
    data["names"] = list(data.get("names", [])) + [
        {"given_names": a.strip(), "kind": NameKind.ALIAS} for a in aliases if a.strip()
    ]
