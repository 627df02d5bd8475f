"""Webhooks to partner systems: recorded with the change that causes them, delivered once.

A change of a tracing request (every network action bumps `version` and saves) records one
`WebhookDelivery` per active subscription of a partner whose office sent or received the
request, in the same transaction (post_save), keyed by subscription, request and version, so
a retried action records nothing twice. The partner's own change (made through this app's
actions, marked with `acting_partner`) is not echoed back to it. Delivery starts on commit.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from partners.models import PartnerSystem, WebhookDelivery, WebhookSubscription
from partners.signing import webhook_signature
from tracing.network.models import TracingRequest

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_acting: ContextVar[Any] = ContextVar("partners_acting_partner", default=None)


@contextlib.contextmanager
def acting_partner(partner: PartnerSystem) -> Iterator[None]:
    """Mark changes made on behalf of `partner`: it is not notified of its own actions."""
    token = _acting.set(partner.pk)
    try:
        yield
    finally:
        _acting.reset(token)


def check_webhook_url(url: str) -> str:
    """Why `url` may not receive webhooks ("" if it may): HTTPS only, and no address or name
    that is obviously internal. Delivery checks the resolved addresses again (HttpTransport)."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" or not parts.hostname:
        return _("Use an https:// address.")
    host = parts.hostname.lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return _("Use a public address.")
    with contextlib.suppress(ValueError):
        if not ipaddress.ip_address(host).is_global:
            return _("Use a public address.")
    return ""


def payload_for(req: TracingRequest, event: str) -> dict[str, Any]:
    """What a webhook says: ids, codes and dates only; the partner reads the rest signed."""
    return {
        "request_id": str(req.id), "event": event, "status": req.status, "version": req.version,
        "outcome": req.outcome, "consent_status": req.consent_status, "decline_reason": req.decline_reason,
        "from_office": req.from_office.code, "to_office": req.to_office.code, "due_date": req.due_date.isoformat(),
    }


@receiver(post_save, sender=TracingRequest, dispatch_uid="partners_request_webhooks")
def request_changed(sender: Any, instance: TracingRequest, created: bool, **kwargs: Any) -> None:
    subs = list(WebhookSubscription.objects.filter(
        active=True, partner__active=True, partner__office_id__in=[instance.from_office_id, instance.to_office_id],
    ).exclude(partner_id=_acting.get()).select_related("partner"))
    for sub in subs:
        if created:
            event = "request.received" if sub.partner.office_id == instance.to_office_id else "request.sent"
        else:
            event = f"request.{instance.status}"
        delivery, new = WebhookDelivery.objects.get_or_create(
            event_key=f"{sub.id}:{instance.id}:v{instance.version}",
            defaults={"subscription": sub, "event": event, "payload": payload_for(instance, event)},
        )
        if new:
            transaction.on_commit(lambda pk=str(delivery.pk): schedule_delivery(pk))


def schedule_delivery(delivery_id: str) -> None:
    # A broker outage must not fail the action: the retry beat task picks the delivery up.
    from partners.tasks import webhook_deliver

    try:
        webhook_deliver.delay(delivery_id)
    except Exception:  # noqa: BLE001
        logger.warning("broker unavailable; webhook delivery %s stays pending", delivery_id)


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could point inside our network: treated as a failure


class HttpTransport:
    """POST over HTTPS to a public address only (every resolved address must be global), no
    redirects, 10 s timeout. Raises on anything but a 2xx."""

    timeout = 10

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        problem = check_webhook_url(url)
        if problem:
            raise ValueError("refused address")
        parts = urlsplit(url)
        for info in socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP):
            if not ipaddress.ip_address(info[4][0]).is_global:
                raise ValueError("refused address")
        opener = urllib.request.build_opener(_NoRedirect)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (https only)
        with opener.open(request, timeout=self.timeout) as response:
            return response.status


def transport() -> Transport:
    return import_string(getattr(settings, "PARTNERS_WEBHOOK_TRANSPORT", "partners.webhooks.HttpTransport"))()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 hours."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def render(delivery: WebhookDelivery, secret: str, now: float | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery (the same id on every attempt: receivers dedupe on it)."""
    body = json.dumps({"id": str(delivery.id), "event": delivery.event, "created_at": delivery.created_at.isoformat(),
                       "data": delivery.payload}, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "family-tracing-webhooks/1",
        "X-Webhook-Id": str(delivery.id), "X-Webhook-Event": delivery.event,
        "X-Webhook-Signature": webhook_signature(secret, int(now if now is not None else time.time()), body),
    }
    return body, headers


def deliver_one(delivery_id: str) -> bool:
    """Send one due delivery at most once (row lock + status); a failure is retried later with
    backoff, up to MAX_ATTEMPTS. Returns True when it was sent now."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("subscription", "subscription__data_key")
                    .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING,
                            next_attempt_at__lte=timezone.now()).first())
        if delivery is None:
            return False
        sub = delivery.subscription
        if not sub.active:
            delivery.status, delivery.last_error = WebhookDelivery.Status.FAILED, "unsubscribed"
            delivery.save(update_fields=["status", "last_error"])
            return False
        body, headers = render(delivery, sub.secret)
        delivery.attempts += 1
        try:
            transport().post(sub.url, body, headers)
        except Exception as exc:  # noqa: BLE001 - any failure is retried; the message names no secret
            delivery.last_error = type(exc).__name__[:300]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts,
                           delivery.last_error)
            return False
        delivery.status, delivery.sent_at, delivery.last_error = WebhookDelivery.Status.SENT, timezone.now(), ""
        delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True
