"""Writes of the auditor workspace: starting and recording chain verifications."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.events import record_event
from audit.models import AuditVerification, ChainHead, JobStatus
from audit.selectors import require_auditor
from audit.verify import verify_chain


def verification_start(*, acting_user: Any) -> AuditVerification:
    """Verify the chain for an auditor: inline when it is short (AUDIT_VERIFY_INLINE_MAX events,
    default 20,000), else in a Celery task that starts when this transaction commits.

    Security entry point: auditors only (NotPermitted otherwise).
    """
    require_auditor(acting_user)
    run = AuditVerification.objects.create(requested_by=acting_user)
    size = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if size <= int(getattr(settings, "AUDIT_VERIFY_INLINE_MAX", 20000)):
        return verification_run(str(run.pk))
    from audit.tasks import audit_verify_run

    transaction.on_commit(lambda: audit_verify_run.delay(str(run.pk)))
    return run


def verification_run(run_id: str) -> AuditVerification:
    """Run verify_chain(), store its result on the row and record `audit.verified` in the chain."""
    run = AuditVerification.objects.select_related("requested_by").get(pk=run_id)
    if run.status == JobStatus.DONE:
        return run
    run.status = JobStatus.RUNNING
    run.save(update_fields=["status"])
    result = verify_chain()
    run.status, run.finished_at = JobStatus.DONE, timezone.now()
    run.ok, run.first_bad_seq, run.result = result.ok, result.first_bad_seq, result.as_dict()
    with transaction.atomic():
        run.save(update_fields=["status", "finished_at", "ok", "first_bad_seq", "result"])
        # Counts and seqs only (no floats: the chain refuses them).
        record_event(event_type="audit.verified", actor=run.requested_by, data={
            "run": str(run.pk), "ok": result.ok, "events": result.events, "first_bad_seq": result.first_bad_seq,
            "problems": [p.code for p in result.problems[:20]],
        })
    return run
