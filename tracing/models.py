"""The network: offices, staff roles, and the data keys that protect personal data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracing.crypto.fields import EncryptedTextField


class Office(models.Model):
    """A national office of the network. Its code prefixes case references (NL-2026-00042)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    timezone = models.CharField(_("timezone"), max_length=64, default="UTC")
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    caseworkers_see_office_cases = models.BooleanField(
        _("caseworkers see all office cases"),
        default=True,
        help_text=_("If off, caseworkers see only the cases assigned to them."),
    )
    inactivity_reminder_days = models.PositiveIntegerField(default=30)
    # Membership group: case shares with this office are guardian grants to this group.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="office", editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.group_id:
            self.group, _created = Group.objects.get_or_create(name=f"office:{self.code}")
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    AUDITOR = "auditor", _("Auditor")


class StaffProfile(models.Model):
    """A staff member's office and role. Users without one can do nothing in the service."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    network_wide = models.BooleanField(
        _("network-wide"), default=False, help_text=_("Auditors only: audit every office.")
    )
    language = models.CharField(max_length=8, default="en")

    class Meta:
        indexes = [models.Index(fields=["office", "role"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.office.code})"


class DataKey(models.Model):
    """One data-encryption key, stored only wrapped by a key-encryption key.

    Each data subject (person) and each case has its own. Destroying the wrapped key
    (crypto-shredding) makes every value, history row and attachment under it unreadable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=20, default="person")
    wrapped = models.TextField(null=True, blank=True)
    kek_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kek_id"])]

    def __str__(self) -> str:
        return f"DataKey {self.id} ({'destroyed' if self.destroyed_at else self.kek_id})"


class OutboxMessage(models.Model):
    """A notification recorded in the same transaction as its cause, sent later by a task.

    A broker outage delays delivery but loses nothing; `idempotency_key` makes a retried
    action or task create and send a message once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held for review")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, default="email")
    kind = models.CharField(max_length=60)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = EncryptedTextField(blank=True)
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)
    language = models.CharField(max_length=8, default="en")
    case_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"  # subject and body stay sealed
from tracing.network.models import *  # noqa
from tracing.public.models import *  # noqa: E402,F401,F403
