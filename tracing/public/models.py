"""Access codes for enquirers and found persons, enquirer submissions, relayed messages.

Access codes are stored only as a slow password hash; the plaintext is shown once when it is
issued. Submissions and messages are sealed under a person's data key, so erasing that person
erases what they wrote.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracing.crypto.fields import EncryptedJSONField, EncryptedTextField

__all__ = [
    "AccessAudience", "AccessChannel", "PublicAccess", "SubmissionKind", "SubmissionStatus", "EnquirerSubmission",
    "RelayDirection", "RelayStatus", "RelayMessage",
]


class AccessAudience(models.TextChoices):
    ENQUIRER = "enquirer", _("Enquirer (status page)")
    FOUND = "found", _("Found person (consent page)")


class AccessChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message sent by the caseworker")
    LETTER = "letter", _("Printed letter")


class PublicAccess(models.Model):
    """One access code of one person of a case. Revoking it ends every session opened with it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="public_accesses")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="public_accesses")
    audience = models.CharField(max_length=10, choices=AccessAudience.choices)
    # Found persons sign in with this handle instead of the case reference, which they never learn.
    handle = models.CharField(max_length=12, unique=True, null=True, blank=True)
    code_hash = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    language = models.CharField(max_length=8, default="en")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)  # found persons: first online decision

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["case", "audience", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} access {self.id}"  # never the code

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SubmissionKind(models.TextChoices):
    CONTACT = "contact", _("New contact details of the enquirer")
    SOUGHT_INFO = "sought_info", _("New information about the sought person")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Added to the case")
    DISMISSED = "dismissed", _("Dismissed")


class EnquirerSubmission(models.Model):
    """What an enquirer sent through the status page; applied to the case only by a caseworker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="enquirer_submissions")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")  # the enquirer
    access = models.ForeignKey(PublicAccess, on_delete=models.SET_NULL, null=True, related_name="+")
    # Sealed under the enquirer's key: it is what the enquirer wrote.
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SubmissionKind.choices)
    payload = EncryptedJSONField(null=True, blank=True)
    photo = EncryptedTextField(blank=True)  # base64 of a JPEG or PNG, checked by its magic bytes
    photo_type = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id} ({self.status})"


class RelayDirection(models.TextChoices):
    TO_FOUND = "to_found", _("From the enquirer to the found person")
    TO_ENQUIRER = "to_enquirer", _("From the found person to the enquirer")


class RelayStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DELIVERED = "delivered", _("Delivered")


class RelayMessage(models.Model):
    """A message between the enquirer and a found person, passed on only after review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="relay_messages")
    found_person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="relay_messages")
    direction = models.CharField(max_length=12, choices=RelayDirection.choices)
    # Sealed under the author's data key: erasing the author erases their messages.
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()
    status = models.CharField(max_length=16, choices=RelayStatus.choices, default=RelayStatus.PENDING_REVIEW)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"Relay {self.id} ({self.direction}, {self.status})"


# Registers the reminder tasks and their beat schedule (autodiscovery only finds tracing.tasks).
from tracing.public import tasks as _tasks  # noqa: E402,F401
