"""Beat task of the network layer: reminders about tracing requests coming due or overdue."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.schedules import crontab

from tracing.celery import app

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def tracing_request_reminders() -> dict[str, int]:
    """Remind partner offices of open requests due within a few days or overdue.

    Idempotent: request_remind sends at most one reminder per request, kind and day, so a
    beat run repeated (or retried after a crash) the same day sends nothing more.
    """
    from datetime import timedelta

    from django.utils import timezone

    from tracing.network.actions import REMIND_BEFORE_DAYS, request_remind
    from tracing.network.models import RequestStatus, TracingRequest

    today = timezone.localdate()
    ids = list(
        TracingRequest.objects.filter(
            status__in=[RequestStatus.SENT, RequestStatus.ACCEPTED],
            due_date__lte=today + timedelta(days=REMIND_BEFORE_DAYS),
        ).values_list("id", flat=True)
    )
    sent = {"due_soon": 0, "overdue": 0}
    for request_id in ids:
        kind = request_remind(request_id=request_id, today=today)
        if kind:
            sent[kind] += 1
    logger.info("tracing request reminders: %s", sent)
    return sent


# Autodiscovery looks only at tracing.tasks; tracing.models imports this module so that both
# the worker and beat know the task, and the schedule is added here next to it.
app.add_periodic_task(crontab(minute=15, hour=6), tracing_request_reminders.s(), name="tracing-request-reminders")
