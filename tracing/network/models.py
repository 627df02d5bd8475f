"""Inter-office tracing requests: a case's office asks a partner office to search.

Sending a request shares the case with the partner office (a grant in tracing.permissions);
declining, closing or revoking it removes the share. The question and every free-text
answer are sealed under the case's data key, so erasing the case's key erases them too.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracing.crypto.fields import EncryptedTextField

__all__ = ["TracingRequest", "RequestStatus", "RequestOutcome", "ConsentStatus", "DeclineReason", "ShareLevel"]


class RequestStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")

    @classmethod
    def active(cls) -> frozenset[str]:
        """States in which the partner office holds the share."""
        return frozenset({cls.SENT, cls.ACCEPTED, cls.ANSWERED})


class RequestOutcome(models.TextChoices):
    LOCATED = "located", _("Located")
    NOT_FOUND = "not_found", _("Not found")
    NEEDS_INFORMATION = "needs_information", _("Needs more information")


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Consents to contact")
    ALIVE_ONLY = "alive_only", _("Consents only to saying they are alive and well")
    REFUSED = "refused", _("Refuses contact")
    PENDING = "pending", _("Not asked yet")


class DeclineReason(models.TextChoices):
    OUTSIDE_MANDATE = "outside_mandate", _("Outside our mandate")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to search")
    WRONG_COUNTRY = "wrong_country", _("The person is not likely to be in our country")
    NO_CAPACITY = "no_capacity", _("No capacity to search at present")
    RISK = "risk", _("Searching would put someone at risk")


class ShareLevel(models.TextChoices):
    SEARCH = "search", _("Search: the sought person and circumstances")
    FULL = "full", _("Full: also the enquirer's contact details and shareable notes")


class TracingRequest(models.Model):
    """One office asking another to search for a sought person of one of its cases."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tracing_requests")
    from_office = models.ForeignKey("tracing.Office", on_delete=models.PROTECT, related_name="sent_requests")
    to_office = models.ForeignKey("tracing.Office", on_delete=models.PROTECT, related_name="received_requests")
    sought_person = models.ForeignKey(
        "cases.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="tracing_requests"
    )
    # The case's key: erasing the case erases the question and the answers with it.
    data_key = models.ForeignKey("tracing.DataKey", on_delete=models.PROTECT, related_name="+")
    question = EncryptedTextField(_("what is asked"))
    due_date = models.DateField(_("answer due by"))
    share_level = models.CharField(_("share"), max_length=10, choices=ShareLevel.choices, default=ShareLevel.SEARCH)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.SENT)

    outcome = models.CharField(_("outcome"), max_length=20, choices=RequestOutcome.choices, blank=True)
    consent_status = models.CharField(_("consent"), max_length=12, choices=ConsentStatus.choices, blank=True)
    searched = EncryptedTextField(_("what was searched"), blank=True)
    answer_note = models.ForeignKey("cases.Note", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decline_reason = models.CharField(_("reason"), max_length=30, choices=DeclineReason.choices, blank=True)

    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change; outbox keys use it so each answer notifies exactly once.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "sent_at"]
        indexes = [
            models.Index(fields=["to_office", "status"]),
            models.Index(fields=["from_office", "status"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "to_office"],
                condition=models.Q(status__in=["sent", "accepted", "answered"]),
                name="one_active_request_per_case_and_office",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in RequestStatus.active()


# Registers the reminder task and its beat schedule (autodiscovery only finds tracing.tasks).
from tracing.network import tasks as _tasks  # noqa: E402,F401
