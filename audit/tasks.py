"""Celery tasks of the audit trail (scheduled by CELERY_BEAT_SCHEDULE, see docs/audit.md)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from audit.checkpoints import write_checkpoint
from audit.models import AuditExport, JobStatus


@shared_task
def audit_write_checkpoint() -> dict[str, Any] | None:
    """Sign a checkpoint of the audit chain if it grew since the last one.

    Idempotent; raises (and so alerts through the task monitoring) when the chain added
    since the last checkpoint does not verify.
    """
    checkpoint = write_checkpoint()
    if checkpoint is None:
        return None
    return {"size": checkpoint.size, "head_hash": checkpoint.head_hash, "key_id": checkpoint.key_id}


@shared_task
def audit_export_run(job_id: str) -> dict[str, Any]:
    """Write a background export of audit events (audit.exports.export_run); progress on the job row."""
    from audit.exports import export_run

    try:
        job = export_run(job_id)
    except Exception:
        AuditExport.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
            status=JobStatus.FAILED, error="the export failed; see the worker log", finished_at=timezone.now())
        raise
    return {"job": job_id, "status": job.status, "events": job.processed}


@shared_task
def audit_verify_run(run_id: str) -> dict[str, Any]:
    """Verify the whole chain for a workspace request and store the result on its row."""
    from audit.actions import verification_run

    run = verification_run(run_id)
    return {"run": run_id, "ok": run.ok, "first_bad_seq": run.first_bad_seq}
