"""Partner systems: other deployments or organisations that call the signed API.

A partner system acts for one office of the network through a service user with an office
role, so everything it does goes through the one permission policy and the network actions.
Secrets (HMAC keys, webhook secrets) and stored responses are sealed under the partner's
data key with the crypto layer; Ed25519 public keys are not secret and are stored plain.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracing.crypto.fields import EncryptedJSONField, EncryptedTextField

__all__ = ["PartnerSystem", "PartnerKey", "KeyAlgorithm", "PartnerNonce", "IdempotencyRecord",
           "WebhookSubscription", "WebhookDelivery"]


class PartnerSystem(models.Model):
    """Another system acting for `office` through `service_user` (a staff member of that office)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    office = models.ForeignKey("tracing.Office", on_delete=models.PROTECT, related_name="partner_systems")
    service_user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                        related_name="partner_system")
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.office_id})"


class KeyAlgorithm(models.TextChoices):
    ED25519 = "ed25519", "Ed25519"
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256"


class PartnerKey(models.Model):
    """One signing key of a partner. Several may be valid at once (rotation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(PartnerSystem, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=16, choices=KeyAlgorithm.choices)
    # Ed25519: the raw 32-byte public key, base64url. Not secret.
    public_key = models.CharField(max_length=64, blank=True)
    # HMAC: the shared secret, sealed under the partner's data key.
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    secret = EncryptedTextField(blank=True)
    not_before = models.DateTimeField(_("valid from"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.algorithm})"

    def state(self, now: datetime | None = None) -> str:
        """valid, revoked, expired or not_yet_valid."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        if now < self.not_before:
            return "not_yet_valid"
        return "valid"


class PartnerNonce(models.Model):
    """A nonce seen with a valid signature: the same nonce again under the key is a replay."""

    key = models.ForeignKey(PartnerKey, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "nonce"], name="partner_nonce_once_per_key")]

    def __str__(self) -> str:
        return f"nonce {self.pk}"


class IdempotencyRecord(models.Model):
    """The response to a POST with an Idempotency-Key, replayed for a retry with the same body."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(PartnerSystem, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    # The stored body can hold personal data (a sought person's name): sealed.
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    response_body = EncryptedJSONField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="partner_idempotency_key_once")]

    def __str__(self) -> str:
        return f"idempotency record {self.pk}"


class WebhookSubscription(models.Model):
    """Where a partner wants to hear about its requests; bodies are signed with `secret`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(PartnerSystem, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    secret = EncryptedTextField()
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Webhook {self.id}"  # the URL may carry a token; never shown in logs


class WebhookDelivery(models.Model):
    """One event for one subscription, delivered once (its id is the idempotent delivery id)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_key = models.CharField(max_length=200, unique=True)
    event = models.CharField(max_length=60)
    # Ids and states only (no personal data): see partners.webhooks.payload_for.
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.id} ({self.status})"
