"""Writes of the exchange app: upload a list, check it (dry run), import it, export PFIF.

Every action checks the permission policy, writes in one transaction with its audit event
and schedules the import task only after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import log_access
from audit.events import record_event
from cases.access import access_case
from cases.models import Consent, ConsentScope, Person, PersonName, PersonPlace
from exchange import pfif
from exchange.fields import guess_mapping
from exchange.importer import MAX_PROBLEMS, Row, header_of, mapping_clean, rows_of
from exchange.models import ImportBatch, ImportedRecord, ImportFormat, ImportStatus
from exchange.readers import ENCODINGS, check_size
from exchange.storage import upload_exists, upload_forget, upload_read, upload_write
from exchange.writer import persons_write, pfif_notes_write, register_create
from tracing.crypto.datakeys import data_key_create
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed
from tracing.models import Office
from tracing.permissions import actor_for, can, visible

# --- access ------------------------------------------------------------------------------


def access_batch(user: Any, batch_id: Any, *, for_update: bool = False) -> ImportBatch:
    """An import batch the user may see (404 otherwise); locked when the caller writes."""
    qs = visible(user, ImportBatch).select_related("office", "data_key", "created_by", "register")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=batch_id)
    except (ImportBatch.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound(_("No such import.")) from exc


def _office_of(user: Any) -> Office:
    actor = actor_for(user)
    if actor is None or not can(user, "case.open", None):
        raise NotPermitted(_("Only caseworkers and supervisors import lists."))
    return Office.objects.get(pk=actor.office_id)


# --- upload ------------------------------------------------------------------------------


def format_of(filename: str, content: bytes) -> str:
    """The list's format from its name, confirmed by its first bytes (the name is not trusted)."""
    name = (filename or "").lower()
    head = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.endswith(".xlsx"):
        fmt = ImportFormat.XLSX
    elif name.endswith(".xml"):
        fmt = ImportFormat.PFIF
    elif name.endswith((".csv", ".txt")):
        fmt = ImportFormat.CSV
    else:
        raise ValidationFailed(_("Upload a .csv, .xlsx or PFIF .xml file."))
    if (fmt == ImportFormat.XLSX) != head.startswith(b"PK"):
        raise ValidationFailed(_("The file's content does not match its name (.csv, .xlsx or .xml)."))
    if fmt == ImportFormat.PFIF and not head.startswith(b"<"):
        raise ValidationFailed(_("The file's content does not match its name (.csv, .xlsx or .xml)."))
    return fmt


def batch_upload(*, acting_user: Any, filename: str, content: bytes, label: str,
                 encoding: str = "utf-8") -> tuple[ImportBatch, bool]:
    """Keep an uploaded list (sealed) for its dry run. Returns (batch, created).

    Security entry point: the file is size-checked and its header (or, for PFIF, the whole
    document) is read before anything is kept; a refused file changes nothing. The same
    file uploaded again in the same office is the same batch: nothing new is created.
    """
    office = _office_of(acting_user)
    check_size(len(content))
    label = (label or "").strip()[:120]
    if not label:
        raise ValidationFailed(_("Name the list."), field_errors={"label": [_("Required.")]})
    if encoding not in ENCODINGS:
        raise ValidationFailed(_("Unknown encoding."), field_errors={"encoding": [_("Choose an encoding.")]})
    fmt = format_of(filename, content)
    digest = hashlib.sha256(content).hexdigest()
    existing = ImportBatch.objects.filter(office=office, digest=digest).first()
    if existing is not None:
        return _existing(acting_user, existing), False
    with transaction.atomic():
        batch = ImportBatch(office=office, created_by=acting_user, format=fmt, label=label, encoding=encoding,
                            size=len(content), digest=digest)
        batch.columns = header_of(batch, content)  # raises for a refused file: nothing kept
        batch.mapping = guess_mapping(batch.columns)
        batch.data_key = data_key_create(purpose="import")
        try:
            with transaction.atomic():
                batch.save(force_insert=True)
        except IntegrityError:  # the same file, uploaded at the same moment
            return _existing(acting_user, ImportBatch.objects.get(office=office, digest=digest)), False
        record_event(event_type="exchange.uploaded", actor=acting_user, office=office,
                     data={"batch": str(batch.id), "format": fmt, "size": len(content)})
        upload_write(batch, content)
    return batch, True


def _existing(user: Any, batch: ImportBatch) -> ImportBatch:
    if not visible(user, ImportBatch).filter(pk=batch.pk).exists():
        raise ValidationFailed(_("This file was already uploaded in your office by a colleague."))
    return batch


# --- dry run -----------------------------------------------------------------------------


def _editable(batch: ImportBatch) -> None:
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.CHECKED) or not upload_exists(
            batch):
        raise ValidationFailed(_("This import can no longer be changed."))


def _refuse(batch: ImportBatch, user: Any, message: str) -> None:
    batch.status = ImportStatus.FAILED
    batch.error = message[:300]
    batch.updated_at = timezone.now()
    batch.save(update_fields=["status", "error", "updated_at"])
    record_event(event_type="exchange.refused", actor=user, office=batch.office, data={"batch": str(batch.id)})
    transaction.on_commit(lambda: upload_forget(batch))


def _batch_to_check(acting_user: Any, batch_id: Any, mapping: dict[str, str] | None) -> ImportBatch:
    """The batch locked for a dry run, still editable, with the column mapping validated and set
    (a PFIF file has none); `None` keeps the mapping it has."""
    batch = access_batch(acting_user, batch_id, for_update=True)
    _office_of(acting_user)
    _editable(batch)
    if batch.format != ImportFormat.PFIF:
        batch.mapping = mapping_clean(batch.columns, mapping if mapping is not None else batch.mapping)
    return batch


def batch_check(*, acting_user: Any, batch_id: Any, mapping: dict[str, str] | None = None) -> ImportBatch:
    """The dry run: read every row through the import's own checks, write no person.

    Records every problem as (row, column, problem) — never the cell's value. A file that
    turns out to be unreadable past its header is refused (the batch is marked failed).
    """
    with transaction.atomic():
        batch = _batch_to_check(acting_user, batch_id, mapping)
        content = upload_read(batch)
        total, count, problems = 0, 0, []
        try:
            for row in rows_of(batch, content):
                total += 1
                count += len(row.problems)
                problems += [{"row": row.number, "column": c, "problem": p} for c, p in row.problems]
                del problems[MAX_PROBLEMS:]
        except ValidationFailed as exc:
            _refuse(batch, acting_user, exc.message)
            return batch
        if total == 0:
            count, problems = 1, [{"row": 0, "column": "", "problem": _("The list has no data rows.")}]
        batch.total_rows, batch.problem_count, batch.problems = total, count, problems
        batch.status = ImportStatus.CHECKED
        batch.updated_at = timezone.now()
        batch.save()
        record_event(event_type="exchange.checked", actor=acting_user, office=batch.office,
                     data={"batch": str(batch.id), "rows": total, "problems": count})
    return batch


def batch_check_queue(*, acting_user: Any, batch_id: Any, mapping: dict[str, str] | None = None) -> ImportBatch:
    """The dry run of a large list, in Celery: the mapping is validated and kept now, the rows
    are read by `check_run` (which calls batch_check as the same user)."""
    from exchange.tasks import check_run

    with transaction.atomic():
        batch = _batch_to_check(acting_user, batch_id, mapping)
        batch.status = ImportStatus.CHECKING
        batch.updated_at = timezone.now()
        batch.save(update_fields=["mapping", "status", "updated_at"])
        transaction.on_commit(lambda: check_run.delay(str(batch.id), acting_user.pk))
    return batch


# --- import ------------------------------------------------------------------------------


def batch_confirm(*, acting_user: Any, batch_id: Any, schedule: bool = True) -> ImportBatch:
    """Queue the import of a list whose dry run found no problem (runs in Celery; with
    schedule=False the caller runs `batch_run` itself, as the import_persons command does)."""
    from exchange.tasks import import_run

    with transaction.atomic():
        batch = access_batch(acting_user, batch_id, for_update=True)
        _office_of(acting_user)
        if batch.status != ImportStatus.CHECKED or batch.problem_count or not batch.total_rows:
            raise ValidationFailed(_("Only a checked list without problems can be imported."))
        batch.status = ImportStatus.QUEUED
        batch.updated_at = timezone.now()
        batch.save(update_fields=["status", "updated_at"])
        record_event(event_type="exchange.queued", actor=acting_user, office=batch.office,
                     data={"batch": str(batch.id), "rows": batch.total_rows})
        if schedule:
            transaction.on_commit(lambda: import_run.delay(str(batch.id)))
    return batch


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _start(batch_id: Any) -> ImportBatch | None:
    with transaction.atomic():
        batch = (ImportBatch.objects.select_for_update(of=("self",))
                 .select_related("office", "created_by", "data_key").get(pk=batch_id))
        if batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            return None  # done, refused, or not confirmed: nothing to do (idempotent)
        user = batch.created_by
        if not can(user, "case.open", batch.office):
            _refuse(batch, None, _("The person who started the import may no longer import lists."))
            return None
        if batch.register_id is None:
            batch.register = register_create(acting_user=user, office=batch.office, batch=batch)
            record_event(event_type="exchange.register_created", actor=user, office=batch.office,
                         case_id=batch.register.id, data={"batch": str(batch.id)})
        batch.status = ImportStatus.RUNNING
        batch.updated_at = timezone.now()
        batch.save(update_fields=["status", "register", "updated_at"])
        return batch


def _write_chunk(batch: ImportBatch, chunk: list[Row], doc: pfif.Document | None,
                 terms_cache: dict) -> ImportBatch | None:
    """One chunk, all or nothing; None when another worker already took this chunk."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update(of=("self",)).select_related("register").get(pk=batch.pk)
        if locked.status != ImportStatus.RUNNING or locked.done_rows != batch.done_rows:
            return None
        known = set(ImportedRecord.objects.filter(
            office_id=locked.office_id, source_id__in=[r.source_id for r in chunk if r.source_id]
        ).values_list("source_id", flat=True))
        fresh = [r for r in chunk if not (r.source_id and r.source_id in known)]
        user = batch.created_by
        persons_write(acting_user=user, register=locked.register, batch=locked,
                      rows=[(r.number, r.data, r.source_id) for r in fresh], terms_cache=terms_cache)
        notes = 0
        if doc is not None:
            notes = pfif_notes_write(acting_user=user, register=locked.register,
                                     notes=[n for r in fresh for n in doc.notes.get(r.source_id, [])])
        locked.done_rows += len(chunk)
        locked.skipped_rows += len(chunk) - len(fresh)
        locked.updated_at = timezone.now()
        locked.save(update_fields=["done_rows", "skipped_rows", "updated_at"])
        record_event(event_type="exchange.chunk_imported", actor=user, office=batch.office,
                     case_id=locked.register_id,
                     data={"batch": str(batch.id), "first_row": chunk[0].number, "last_row": chunk[-1].number,
                           "persons": len(fresh), "notes": notes})
    locked.created_by, locked.office = batch.created_by, batch.office
    return locked


def batch_run(*, batch_id: Any, on_progress: Callable[[ImportBatch], None] | None = None) -> ImportBatch:
    """Import a confirmed batch in chunks of `chunk_size` rows, each one transaction.

    Resumable and idempotent: rows before `done_rows` are committed and skipped on a rerun;
    a chunk another worker already wrote is not written twice; a finished batch is left alone.
    """
    batch = _start(batch_id)
    if batch is None:
        return ImportBatch.objects.get(pk=batch_id)
    content = upload_read(batch)
    doc = pfif.parse(content) if batch.format == ImportFormat.PFIF else None
    terms_cache: dict = {}
    rows = islice(rows_of(batch, content, doc), batch.done_rows, None)
    for chunk in _chunks(rows, batch.chunk_size):
        if any(r.problems for r in chunk):  # cannot happen after a clean dry run of the same file
            with transaction.atomic():
                _refuse(batch, batch.created_by, _("Row %d has problems; the import stopped.")
                        % next(r.number for r in chunk if r.problems))
            return batch
        written = _write_chunk(batch, chunk, doc, terms_cache)
        if written is None:
            return ImportBatch.objects.get(pk=batch_id)
        batch = written
        if on_progress is not None:
            on_progress(batch)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("office", "data_key").get(
            pk=batch_id)
        if batch.status == ImportStatus.RUNNING:
            batch.status, batch.finished_at = ImportStatus.DONE, timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            record_event(event_type="exchange.imported", actor=batch.created_by, office=batch.office,
                         case_id=batch.register_id,
                         data={"batch": str(batch.id), "rows": batch.done_rows, "skipped": batch.skipped_rows})
            transaction.on_commit(lambda: upload_forget(batch))
    return batch


# --- PFIF export -------------------------------------------------------------------------

#: What a consent scope lets a PFIF export carry. PFIF repositories are public: contact
#: details (phone, email, address) are never exported, whatever the consent.
EXPORT_SCOPES = {
    ConsentScope.ALIVE_ONLY: ("full_name", "given_name", "family_name", "sex"),
    ConsentScope.SHARE_CONTACT: ("full_name", "given_name", "family_name", "alternate_names", "sex",
                                 "date_of_birth", "home_city", "home_country"),
}


def _pfif_person(person: Person, scope: str, record_id: str, office: Office, now: str) -> dict[str, str]:
    names = list(person.names.all())
    primary = next((n for n in names if n.kind == "primary"), names[0] if names else None)
    place = next(iter(person.places.all()), None)
    # Getters, evaluated only for the fields the consent's scope allows: an "alive only"
    # consent exports no date of birth or place, so those are never decrypted either.
    getters: dict[str, Callable[[], str]] = {
        "full_name": lambda: person.display_name or (primary.full if primary else ""),
        "given_name": lambda: primary.given_names if primary else "",
        "family_name": lambda: primary.family_name if primary else "",
        "alternate_names": lambda: "\n".join(n.full for n in names if n is not primary),
        "sex": lambda: person.sex if person.sex in pfif.SEX_VALUES else "",
        "date_of_birth": lambda: str(person.birth_date).lstrip("~") if person.birth_date else "",
        "home_city": lambda: place.place if place else "",
        "home_country": lambda: place.country if place else "",
    }
    record = {k: value for k in EXPORT_SCOPES[scope] if (value := getters[k]())}
    return {**record, "person_record_id": record_id, "entry_date": now, "source_date": now,
            "author_name": office.name, "source_name": office.name}


def pfif_export(*, acting_user: Any, case_id: Any) -> tuple[bytes, int]:
    """A case's persons who consented, as PFIF 1.4: (document, number of persons).

    Security entry point: only the owning office's workers export; only persons with an
    active consent of a scope in EXPORT_SCOPES, and only the fields that scope allows.
    The export is recorded as an audit event and as a read of each exported person.
    """
    with transaction.atomic():
        case = access_case(acting_user, case_id, action="case.edit")
        consents = (Consent.objects.filter(case=case, withdrawn_at__isnull=True, scope__in=list(EXPORT_SCOPES),
                                           person__erased_at__isnull=True)
                    .order_by("person_id", "-recorded_at"))
        scope_of: dict[Any, str] = {}
        for consent in consents:
            # The narrowest active consent wins: alive_only over share_contact.
            if scope_of.get(consent.person_id) != ConsentScope.ALIVE_ONLY:
                scope_of[consent.person_id] = consent.scope
        # Names and places are each sealed with a data key: fetch the keys with them.
        persons = (Person.objects.filter(pk__in=list(scope_of)).select_related("data_key")
                   .prefetch_related(Prefetch("names", queryset=PersonName.objects.select_related("data_key")),
                                     Prefetch("places", queryset=PersonPlace.objects.select_related("data_key")))
                   .order_by("created_at"))
        source = dict(ImportedRecord.objects.filter(person_id__in=list(scope_of))
                      .values_list("person_id", "source_id"))
        domain = getattr(settings, "EXCHANGE_PFIF_DOMAIN", "tracing.invalid")
        now = pfif.utc(dt.datetime.now(dt.UTC))
        records, notes = [], {}
        for person in persons:
            record_id = source.get(person.id) or f"{domain}/person.{person.id}"
            records.append(_pfif_person(person, scope_of[person.id], record_id, case.office, now))
            if scope_of[person.id] == ConsentScope.ALIVE_ONLY:
                notes[record_id] = [{"note_record_id": f"{domain}/note.{person.id}", "author_name": case.office.name,
                                     "source_date": now, "entry_date": now, "status": "believed_alive",
                                     "text": _("Alive and well, according to %s.") % case.office.name}]
        ids = [p.id for p in persons]
        record_event(event_type="exchange.pfif_exported", actor=acting_user, office=case.office, case_id=case.id,
                     person_ids=ids, data={"persons": len(ids)})
        log_access(user=acting_user, kind="export", case_ids=[case.id], person_ids=ids, office=case.office,
                   detail={"format": "pfif"})
    return pfif.write(records, notes), len(records)
