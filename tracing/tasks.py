"""Celery tasks of the network layer: outbox delivery."""

from __future__ import annotations

import smtplib

from celery import shared_task

from tracing.models import OutboxMessage
from tracing.outbox import outbox_deliver_one


@shared_task(
    bind=True, acks_late=True, autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30, retry_backoff_max=3600, max_retries=12,
)
def outbox_deliver(self: object, message_id: str) -> bool:
    return outbox_deliver_one(message_id)


@shared_task(acks_late=True)
def outbox_flush(limit: int = 500) -> int:
    """Beat: send whatever is still pending (e.g. created while the broker was down)."""
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        try:
            sent += outbox_deliver_one(str(message_id))
        except (smtplib.SMTPException, OSError):
            continue  # stays pending; the next flush tries again
    return sent
