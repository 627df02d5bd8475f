"""Celery task of the exchange app: run a confirmed import."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from tracing.celery import app

#: A queued or running import without progress for this long is handed to a worker again.
STALE_AFTER = timedelta(minutes=10)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def import_run(batch_id: str) -> dict[str, int | str]:
    """Import one batch. Idempotent and resumable (exchange.actions.batch_run): a retry or a
    second delivery continues after the last committed chunk and never writes a row twice."""
    from exchange.actions import batch_run

    batch = batch_run(batch_id=batch_id)
    return {"status": batch.status, "done_rows": batch.done_rows, "total_rows": batch.total_rows}


@shared_task(acks_late=True)
def check_run(batch_id: str, user_id: int) -> dict[str, int | str]:
    """The dry run of a large list (exchange.actions.batch_check_queue). Safe to repeat: a
    dry run writes only the batch's report, and a batch no longer being checked is left alone."""
    from django.contrib.auth import get_user_model

    from exchange.actions import batch_check
    from exchange.models import ImportBatch, ImportStatus

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportStatus.CHECKING:
        return {"status": batch.status}
    batch = batch_check(acting_user=get_user_model().objects.get(pk=user_id), batch_id=batch_id)
    return {"status": batch.status, "rows": batch.total_rows, "problems": batch.problem_count}


@shared_task(acks_late=True)
def import_resume_stale() -> int:
    """Beat: re-queue dry runs and imports whose task was lost (broker restart, worker killed
    before the redelivery). Safe to repeat: batch_run never writes a committed chunk twice."""
    from django.utils import timezone

    from exchange.models import ImportBatch, ImportStatus

    stale = list(ImportBatch.objects.filter(
        status__in=[ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING],
        updated_at__lt=timezone.now() - STALE_AFTER,
    ).values_list("id", "status", "created_by_id"))
    for batch_id, status, user_id in stale:
        if status == ImportStatus.CHECKING:
            check_run.delay(str(batch_id), user_id)
        else:
            import_run.delay(str(batch_id))
    return len(stale)


app.add_periodic_task(600.0, import_resume_stale.s(), name="exchange-resume-stale-imports")
