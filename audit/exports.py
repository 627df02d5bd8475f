"""Exports of a selection of audit events, as CSV or JSON, with the chain proof.

Each exported event carries every hashed column plus `hash` and `prev_hash`, so anyone can
recompute its hash (docs/audit.md "The hash"); the proof adds the newest signed checkpoint (as
a C2SP signed note) and a verification result of the whole chain. A selection of more than
AUDIT_EXPORT_INLINE_MAX events (default 5,000) is written in the background by
audit.tasks.audit_export_run to MEDIA_ROOT/audit-exports/ and served only to its requester.

CSV cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) are
prefixed with an apostrophe. JSON is not altered: it is the format to verify hashes from.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.access import log_access
from audit.chain import format_time
from audit.checkpoints import signed_note
from audit.events import record_event
from audit.models import AuditCheckpoint, AuditEvent, AuditExport, AuditVerification, ChainHead, JobStatus
from audit.selectors import EventFilter, events_for
from audit.verify import verify_chain
from tracing.spreadsheet import safe_cell

EXPORT_DIR = "audit-exports"
COLUMNS = ("seq", "occurred_at", "event_type", "actor_id", "actor_username", "actor_office_id", "office_id",
           "case_id", "person_ids", "data", "prev_hash", "hash")
_CHUNK = 2000


def inline_max() -> int:
    return int(getattr(settings, "AUDIT_EXPORT_INLINE_MAX", 5000))


def event_row(event: AuditEvent) -> dict[str, Any]:
    """The event's hashed columns (as they are hashed) plus its hash."""
    row = event.hashed_columns()
    row["occurred_at"] = format_time(event.occurred_at)
    row["hash"] = event.hash
    return {c: row[c] for c in COLUMNS}


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def verification_for_proof(*, fresh: bool) -> dict[str, Any]:
    """A verification of the whole chain for the proof: run now when `fresh` or when the chain
    is small (AUDIT_VERIFY_INLINE_MAX events, default 20,000); otherwise the newest finished
    workspace run, marked with its time (a long chain takes about a minute per million events)."""
    head = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if fresh or head <= int(getattr(settings, "AUDIT_VERIFY_INLINE_MAX", 20000)):
        result = verify_chain().as_dict()
        result["verified_at"] = format_time(timezone.now())
        return result
    run = AuditVerification.objects.filter(status=JobStatus.DONE).order_by("-finished_at").first()
    if run is None:
        return {"ok": None, "note": "chain too long to verify inline and no workspace verification has run"}
    return {**run.result, "verified_at": format_time(run.finished_at), "note": "newest workspace verification"}


def chain_proof(*, fresh: bool) -> dict[str, Any]:
    checkpoint = AuditCheckpoint.objects.order_by("-size").first()
    return {
        "hash": "hex(SHA-256(0x00 || canonical JSON of the hashed columns)), see docs/audit.md",
        "checkpoint": None if checkpoint is None else {
            "size": checkpoint.size, "head_hash": checkpoint.head_hash, "signed_at": format_time(checkpoint.signed_at),
            "key_id": checkpoint.key_id, "signature": checkpoint.signature, "signed_note": signed_note(checkpoint),
        },
        "verification": verification_for_proof(fresh=fresh),
    }


def _iter_events(qs: Any) -> Iterator[AuditEvent]:
    return qs.iterator(chunk_size=_CHUNK)


def write_csv(out: IO[str], events: Iterable[AuditEvent], proof: dict[str, Any],
              progress: Any = None) -> int:
    """Events as CSV rows, then a blank row and the proof as `proof,<name>,<value>` rows."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    n = 0
    for event in events:
        row = event_row(event)
        writer.writerow([safe_cell(_compact(row[c]) if c in ("person_ids", "data") else row[c]) for c in COLUMNS])
        n += 1
        if progress is not None and n % _CHUNK == 0:
            progress(n)
    writer.writerow([])
    checkpoint = proof["checkpoint"]
    writer.writerow(["proof", "checkpoint_signed_note", safe_cell(checkpoint["signed_note"] if checkpoint else "")])
    writer.writerow(["proof", "verification", safe_cell(_compact(proof["verification"]))])
    return n


def write_json(out: IO[str], events: Iterable[AuditEvent], proof: dict[str, Any], header: dict[str, Any],
               progress: Any = None) -> int:
    """One JSON object: header, `events` (written one by one, so large files stream), `proof`."""
    out.write("{" + _compact(header)[1:-1] + ',"events":[')
    n = 0
    for event in events:
        out.write(("," if n else "") + _compact(event_row(event)))
        n += 1
        if progress is not None and n % _CHUNK == 0:
            progress(n)
    out.write('],"count":' + str(n) + ',"proof":' + _compact(proof) + "}")
    return n


def _header(user: Any, flt: EventFilter) -> dict[str, Any]:
    return {"format": "family-tracing/audit-export", "version": 1, "exported_at": format_time(timezone.now()),
            "exported_by": user.get_username(), "filters": flt.as_dict()}


def record_export(*, user: Any, flt: EventFilter, fmt: str, count: int, job: AuditExport | None = None) -> None:
    """The export is a read (access.export) and a domain event (export), in one transaction."""
    detail = {"format": fmt, "events": count, "filters": flt.as_dict()}
    if job is not None:
        detail["job"] = str(job.pk)
    with transaction.atomic():
        log_access(user=user, kind="export", case_ids=[flt.case_id] if flt.case_id else [],
                   person_ids=[flt.person_id] if flt.person_id else [], purpose="audit", detail=detail)
        record_event(event_type="export", actor=user, case_id=flt.case_id,
                     person_ids=[flt.person_id] if flt.person_id else [], data={"what": "audit_events", **detail})


def export_inline(*, user: Any, flt: EventFilter, fmt: str) -> tuple[str, int]:
    """A small selection written in the request: (file content, number of events)."""
    qs = events_for(user, flt)
    out = io.StringIO()
    proof = chain_proof(fresh=False)
    if fmt == "csv":
        n = write_csv(out, _iter_events(qs), proof)
    else:
        n = write_json(out, _iter_events(qs), proof, _header(user, flt))
    record_export(user=user, flt=flt, fmt=fmt, count=n)
    return out.getvalue(), n


def export_start(*, user: Any, flt: EventFilter, fmt: str, total: int) -> AuditExport:
    """Queue a background export; the task starts once this transaction commits."""
    from audit.tasks import audit_export_run

    job = AuditExport.objects.create(requested_by=user, format=fmt, filters=flt.as_dict(), total=total)
    transaction.on_commit(lambda: audit_export_run.delay(str(job.pk)))
    return job


def export_path(job: AuditExport) -> Path:
    return Path(settings.MEDIA_ROOT) / job.file


def export_run(job_id: str) -> AuditExport:
    """Write a queued export's file (the Celery task's body). The selection is computed again
    through the policy as the requester, so a revoked auditor's export fails."""
    from audit.selectors import require_auditor
    from tracing.exceptions import NotPermitted

    job = AuditExport.objects.select_related("requested_by").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return job
    user = job.requested_by
    try:
        require_auditor(user)
    except NotPermitted:
        job.status, job.error, job.finished_at = JobStatus.FAILED, "not an auditor any more", timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    flt = EventFilter.from_dict(job.filters)
    qs = events_for(user, flt)
    job.status, job.total = JobStatus.RUNNING, qs.count()
    job.save(update_fields=["status", "total"])

    def progress(n: int) -> None:
        job.processed = n
        job.save(update_fields=["processed"])

    relative = f"{EXPORT_DIR}/{job.pk}.{job.format}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    # Fresh verification: in the background there is time for the whole chain.
    proof = chain_proof(fresh=True)
    with open(partial, "w", encoding="utf-8", newline="") as out:
        if job.format == "csv":
            n = write_csv(out, _iter_events(qs), proof, progress)
        else:
            n = write_json(out, _iter_events(qs), proof, _header(user, flt), progress)
    os.replace(partial, target)  # a half-written file is never served
    record_export(user=user, flt=flt, fmt=job.format, count=n, job=job)
    job.status, job.processed, job.file, job.finished_at = JobStatus.DONE, n, relative, timezone.now()
    job.save(update_fields=["status", "processed", "file", "finished_at"])
    return job
