"""Beat task of the privacy app: the nightly retention run (report, then apply what is due)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.schedules import crontab

from tracing.celery import app

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def retention_nightly() -> dict[str, int]:
    """Nightly: first the dry run (stored report, offices notified), then erase the cases that
    an earlier night's report listed and that are still due (grace period: privacy.actions.GRACE_DAYS).

    Idempotent: erased cases are no longer due, so a retried or repeated run erases nothing
    more; the report of a repeated run lists the same cases again (and notifies again only
    under a new run id, which is the operator's choice when re-running by hand).
    """
    from privacy.actions import retention_apply, retention_dry_run

    report = retention_dry_run(triggered_by="beat")
    applied = retention_apply(triggered_by="beat")
    result = {"due": report.due, "erased_cases": applied.erased_cases, "erased_persons": applied.erased_persons}
    logger.info("retention: %s", result)
    return result


# privacy.apps imports this module when Django starts, so both the worker and beat know the
# task and its schedule (the settings' beat schedule is not ours to edit).
app.add_periodic_task(crontab(minute=30, hour=3), retention_nightly.s(), name="privacy-retention-nightly")
