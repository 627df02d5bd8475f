"""Retention rules, legal holds and retention runs.

None of these rows holds personal data: rules are per office and closure reason, holds name a
case and a fixed-choice reason, runs list case ids and counts only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.workflow import CloseReason
from tracing.models import Office

#: The closure reason of a rule that applies to every case of its office without its own rule.
ANY_REASON = "any"


def reason_choices() -> list[tuple[str, str]]:
    return [(ANY_REASON, _("Any closure reason")), *CloseReason.choices]


class RetentionAction(models.TextChoices):
    ERASE = "erase", _("Erase personal data (crypto-shredding)")


class RetentionRule(models.Model):
    """Erase a closed case's personal data `years` after closure, per office and closure reason.

    A rule for the exact closure reason wins over the office's "any" rule. Edited by the
    office administrator in the Django admin (privacy/admin.py).
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="retention_rules",
                               verbose_name=_("office"))
    closure_reason = models.CharField(_("closure reason"), max_length=40, choices=reason_choices(),
                                      default=ANY_REASON)
    years = models.PositiveSmallIntegerField(_("years after closure"))
    action = models.CharField(_("action"), max_length=10, choices=RetentionAction.choices,
                              default=RetentionAction.ERASE)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["office", "closure_reason"]
        constraints = [
            models.UniqueConstraint(fields=["office", "closure_reason"], name="one_retention_rule_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}: {self.closure_reason} + {self.years}y"


class HoldReason(models.TextChoices):
    LITIGATION = "litigation", _("Legal proceedings")
    AUTHORITY = "authority", _("Request of a competent authority")
    INVESTIGATION = "investigation", _("Internal investigation or complaint")
    SUBJECT_REQUEST = "subject_request", _("The data subject asked to keep the data")


class LegalHold(models.Model):
    """While a hold is active (not released) retention never erases the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="legal_holds")
    reason = models.CharField(_("reason"), max_length=20, choices=HoldReason.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(released_at__isnull=True),
                                    name="one_active_hold_per_case"),
        ]

    def __str__(self) -> str:
        return f"Hold on {self.case_id} ({'released' if self.released_at else 'active'})"

    @property
    def active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One run of retention: a dry run (what is due) or an applied run (what was erased)."""

    dry_run = models.BooleanField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.CharField(max_length=20, default="beat")  # beat | command
    # Case ids only (strings): never names or any other personal data.
    case_ids = models.JSONField(default=list)
    due = models.PositiveIntegerField(default=0)
    erased_cases = models.PositiveIntegerField(default=0)
    erased_persons = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["dry_run", "started_at"])]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "applied"
        return f"Retention {kind} {self.started_at:%Y-%m-%d %H:%M} ({self.due} due)"
