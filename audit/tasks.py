"""Celery tasks of the audit trail (scheduled by CELERY_BEAT_SCHEDULE, see docs/audit.md)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from audit.checkpoints import write_checkpoint


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
