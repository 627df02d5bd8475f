"""Celery tasks of the partners app: webhook delivery and retries, pruning nonces and stored responses."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.schedules import crontab

from tracing.celery import app

logger = logging.getLogger(__name__)

#: How long a stored idempotent response is replayed (a retry later than this runs again).
IDEMPOTENCY_TTL = timedelta(hours=24)


@shared_task(acks_late=True)
def webhook_deliver(delivery_id: str) -> bool:
    """Deliver one webhook. Idempotent: a sent (or not yet due) delivery is left alone."""
    from partners.webhooks import deliver_one

    return deliver_one(delivery_id)


@shared_task(acks_late=True)
def webhooks_retry(limit: int = 500) -> int:
    """Send pending deliveries whose (back-off) time has come; returns how many were sent."""
    from django.utils import timezone

    from partners.models import WebhookDelivery
    from partners.webhooks import deliver_one

    ids = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                              next_attempt_at__lte=timezone.now())
               .order_by("next_attempt_at").values_list("id", flat=True)[:limit])
    return sum(1 for pk in ids if deliver_one(str(pk)))


@shared_task(acks_late=True)
def partners_prune() -> dict[str, int]:
    """Forget nonces older than twice the signature window (a request that old is refused for
    its timestamp anyway) and stored responses older than IDEMPOTENCY_TTL."""
    from django.utils import timezone

    from partners.auth import window_seconds
    from partners.models import IdempotencyRecord, PartnerNonce

    now = timezone.now()
    nonces, _ = PartnerNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * window_seconds())).delete()
    responses, _ = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    result = {"nonces": nonces, "responses": responses}
    logger.info("partners prune: %s", result)
    return result


# Autodiscovery finds only tracing.tasks; partners.apps imports this module at start-up.
app.add_periodic_task(60.0, webhooks_retry.s(), name="partners-webhooks-retry")
app.add_periodic_task(crontab(minute=40), partners_prune.s(), name="partners-prune")
