"""Webhooks: recorded with the change (on commit scheduled), delivered once with a valid
signature through the (here recording) transport, retried with backoff; subscriptions are
checked (https, public address) and a partner is not told of its own actions."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from partners.models import WebhookDelivery, WebhookSubscription
from partners.tasks import webhook_deliver, webhooks_retry
from partners.webhooks import backoff, check_webhook_url, deliver_one
from tests.partners.conftest import REQUESTS, WEBHOOKS, RecordingTransport, Signer
from tests.partners.test_submit import submission
from tracing.network.actions import request_accept, request_answer

pytestmark = pytest.mark.django_db

SECRET = "s" * 40
URL = "https://partner.example/hooks/tracing"


@pytest.fixture
def subscribed(hmac_signer: Signer) -> WebhookSubscription:
    response = hmac_signer.post(WEBHOOKS, {"url": URL, "secret": SECRET})
    assert response.status_code == 201, response.content
    assert "secret" not in response.json()
    return WebhookSubscription.objects.get(pk=response.json()["id"])


@pytest.fixture
def submitted(hmac_signer: Signer, subscribed: Any) -> str:
    return hmac_signer.post(REQUESTS, submission()).json()["id"]


def _verify(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    parts = dict(item.split("=", 1) for item in headers["X-Webhook-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    return json.loads(body)


def test_subscribing_is_audited_and_the_secret_is_sealed(subscribed: WebhookSubscription) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM partners_webhooksubscription")
        (raw,) = cur.fetchone()
    assert SECRET not in raw and raw.startswith("v1$")
    event = AuditEvent.objects.get(event_type="partner.webhook_subscribed")
    assert SECRET not in json.dumps(event.data)


@pytest.mark.parametrize("url", ["http://partner.example/h", "https://127.0.0.1/h", "https://10.0.0.5/h",
                                 "https://localhost/h", "https://[::1]/h", "https://db.internal/h"])
def test_internal_or_plain_http_addresses_are_refused(hmac_signer: Signer, url: str) -> None:
    response = hmac_signer.post(WEBHOOKS, {"url": url, "secret": SECRET})
    assert response.status_code == 400 and "url" in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_a_short_secret_is_refused(hmac_signer: Signer) -> None:
    response = hmac_signer.post(WEBHOOKS, {"url": URL, "secret": "short"})
    assert response.status_code == 400 and "secret" in response.json()["errors"]


def test_the_partner_is_not_told_of_its_own_submission(submitted: str) -> None:
    assert not WebhookDelivery.objects.exists()


def test_an_answer_is_scheduled_on_commit_and_delivered_once_signed(
    submitted: str, personas: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    with mock.patch.object(webhook_deliver, "delay") as delay:
        with django_capture_on_commit_callbacks() as callbacks:
            request_accept(acting_user=personas.supervisor, request_id=submitted)
            assert WebhookDelivery.objects.count() == 1  # recorded in the action's transaction
        assert delay.call_count == 0  # …and scheduled only on commit
        for callback in callbacks:
            callback()
    delivery = WebhookDelivery.objects.get()
    delay.assert_called_once_with(str(delivery.pk))
    assert deliver_one(str(delivery.pk)) is True
    assert deliver_one(str(delivery.pk)) is False  # a retried task sends nothing twice
    assert len(RecordingTransport.sent) == 1
    url, body, headers = RecordingTransport.sent[0]
    assert url == URL and headers["X-Webhook-Id"] == str(delivery.pk)
    payload = _verify(body, headers)
    assert payload["event"] == "request.accepted" and payload["data"]["request_id"] == submitted
    assert "Mohammed" not in body.decode()  # ids and states only
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1


def test_the_answer_webhook_carries_outcome_and_consent(submitted: str, personas: Any,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request_accept(acting_user=personas.supervisor, request_id=submitted)
    with django_capture_on_commit_callbacks(execute=True):
        request_answer(acting_user=personas.supervisor, request_id=submitted, outcome="located",
                       consent_status="alive_only", answer="Found in Utrecht.")
    events = [_verify(body, headers) for _url, body, headers in RecordingTransport.sent]
    assert [e["event"] for e in events] == ["request.accepted", "request.answered"]
    assert events[1]["data"]["outcome"] == "located" and events[1]["data"]["consent_status"] == "alive_only"
    assert len({e["id"] for e in events}) == 2


def test_a_failed_delivery_is_retried_with_backoff(submitted: str, personas: Any,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    RecordingTransport.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        request_accept(acting_user=personas.supervisor, request_id=submitted)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "ConnectionError")
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert webhooks_retry() == 0  # not due yet
    RecordingTransport.fail = False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks_retry() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and len(RecordingTransport.sent) == 1
    assert backoff(1) == timedelta(seconds=30) and backoff(20) == timedelta(hours=6)


def test_after_max_attempts_the_delivery_fails(submitted: str, personas: Any) -> None:
    from partners.webhooks import MAX_ATTEMPTS

    RecordingTransport.fail = True
    request_accept(acting_user=personas.supervisor, request_id=submitted)  # no commit callbacks: not sent yet
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        deliver_one(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS


def test_unsubscribed_hooks_get_nothing(hmac_signer: Signer, subscribed: Any, submitted: str, personas: Any,
                                        django_capture_on_commit_callbacks: Any) -> None:
    response = hmac_signer.call("DELETE", f"{WEBHOOKS}{subscribed.pk}/")
    assert response.status_code == 204
    assert hmac_signer.get(WEBHOOKS).json() == []
    with django_capture_on_commit_callbacks(execute=True):
        request_accept(acting_user=personas.supervisor, request_id=submitted)
    assert not WebhookDelivery.objects.exists() and RecordingTransport.sent == []
    assert AuditEvent.objects.filter(event_type="partner.webhook_removed").count() == 1


def test_another_partners_subscription_is_404(subscribed: Any, personas: Any) -> None:
    from partners.actions import partner_key_add, partner_register
    from tests.factories import staff
    from tracing.models import Role

    fr_admin = staff("fr_adm", personas.other, Role.OFFICE_ADMIN)
    other = partner_register(acting_user=fr_admin, office_id=personas.other.pk, name="France deployment")
    key, secret = partner_key_add(acting_user=fr_admin, partner_id=other.pk, algorithm="hmac-sha256")
    stranger = Signer(key_id=key.key_id, secret=secret)
    assert stranger.call("DELETE", f"{WEBHOOKS}{subscribed.pk}/").status_code == 404
    assert stranger.get(WEBHOOKS).json() == []
    assert WebhookSubscription.objects.get(pk=subscribed.pk).active


def test_the_http_transport_refuses_internal_addresses() -> None:
    from partners.webhooks import HttpTransport

    assert check_webhook_url(URL) == ""
    with pytest.raises(ValueError, match="refused"):
        HttpTransport().post("https://127.0.0.1/hook", b"{}", {})
    with mock.patch("socket.getaddrinfo", return_value=[(2, 1, 6, "", ("10.1.2.3", 443))]), \
            pytest.raises(ValueError, match="refused"):
        HttpTransport().post(URL, b"{}", {})  # a public name resolving to a private address
