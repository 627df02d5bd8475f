"""Notes and attachments on a case."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.actions.common import refuse_if_erased, touch
from cases.attachments import attachment_file_write, sniff_type
from cases.models import Attachment, Note, NoteVisibility
from tracing.exceptions import ValidationFailed
from tracing.permissions import Level, actor_for, case_level


@transaction.atomic
def note_add(*, acting_user: Any, case_id: Any, body: str, visibility: str) -> Note:
    """Add a note. A partner office's notes are always shareable: they answer the owner."""
    case = access_case(acting_user, case_id, action="case.add_note", for_update=True)
    refuse_if_erased(case)
    if not body.strip():
        raise ValidationFailed(_("Write the note first."), field_errors={"body": [_("Required.")]})
    if visibility not in NoteVisibility.values:
        raise ValidationFailed(_("Choose who may read the note."), field_errors={"visibility": [_("Invalid.")]})
    if case_level(acting_user, case) < Level.OWNER:
        visibility = NoteVisibility.SHAREABLE
    actor = actor_for(acting_user)
    note = Note.objects.create(
        case=case, data_key=case.data_key, author=acting_user, author_office_id=actor.office_id,
        visibility=visibility, body=body.strip(),
    )
    touch(case)
    record_event(event_type="note.added", actor=acting_user, office=case.office, case_id=case.id,
                 data={"note_id": str(note.id), "visibility": visibility})
    return note


@transaction.atomic
def attachment_add(
    *, acting_user: Any, case_id: Any, filename: str, content: bytes, person_id: Any = None,
    description: str = "", shareable: bool = False,
) -> Attachment:
    """Store a document or photo, encrypted, after checking its real type and size."""
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    refuse_if_erased(case)
    if len(content) > settings.TRACING_MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(_("The file is too large."), field_errors={"file": [_("At most 10 MB.")]})
    content_type = sniff_type(content[:16])
    if content_type is None:
        raise ValidationFailed(_("Upload a PDF, JPEG or PNG file."), field_errors={"file": [_("Unsupported type.")]})
    person = case.persons.select_related("data_key").get(pk=person_id) if person_id else None
    if person is not None and person.erased_at:
        raise ValidationFailed(_("This person's data was erased."))
    attachment = Attachment(
        case=case, person=person, data_key=person.data_key if person else case.data_key,
        filename=filename[-200:] or "file", description=description, content_type=content_type,
        size=len(content), shareable=shareable, uploaded_by=acting_user,
    )
    attachment.save(force_insert=True)
    attachment_file_write(attachment, content)
    touch(case)
    record_event(event_type="attachment.added", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[person.id] if person else [],
                 data={"attachment_id": str(attachment.id), "content_type": content_type, "size": len(content)})
    return attachment
