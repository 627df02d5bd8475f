"""Recording outgoing messages (in the caller's transaction) and delivering them once."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from tracing.models import DataKey, OutboxMessage

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *,
    key: str,
    kind: str,
    data_key: DataKey,
    subject: str,
    body: str,
    to_user: Any = None,
    recipient: str = "",
    language: str = "en",
    case_id: Any = None,
    hold: bool = False,
) -> OutboxMessage:
    """Record a message; the same `key` twice records it once. Delivery starts after commit."""
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind, "data_key": data_key, "to_user": to_user, "recipient": recipient,
            "subject": subject, "body": body, "language": language, "case_id": case_id,
            "status": OutboxMessage.Status.HELD if hold else OutboxMessage.Status.PENDING,
        },
    )
    if created and not hold:
        from tracing.tasks import outbox_deliver

        transaction.on_commit(lambda: _schedule(outbox_deliver, str(message.id)))
    return message


def _schedule(task: Any, message_id: str) -> None:
    # A broker outage must not fail the request: the beat task `outbox_flush` retries later.
    try:
        task.delay(message_id)
    except Exception:  # noqa: BLE001
        logger.warning("broker unavailable; message %s stays pending for outbox_flush", message_id)


def outbox_deliver_one(message_id: str) -> bool:
    """Send one pending message exactly once (row lock + status check make retries safe)."""
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the to_user outer join.
        msg = OutboxMessage.objects.select_for_update(of=("self",)).select_related("data_key", "to_user").filter(
            pk=message_id, status=OutboxMessage.Status.PENDING
        ).first()
        if msg is None:
            return False
        address = msg.recipient or (msg.to_user.email if msg.to_user else "")
        msg.attempts += 1
        if not address:
            msg.status, msg.last_error = OutboxMessage.Status.FAILED, "no address"
            msg.save(update_fields=["status", "last_error", "attempts"])
            return False
        send_mail(msg.subject, msg.body, settings.DEFAULT_FROM_EMAIL, [address])
        msg.status, msg.sent_at = OutboxMessage.Status.SENT, timezone.now()
        msg.save(update_fields=["status", "sent_at", "attempts"])
        return True
