"""Stored match proposals: two person records the engine thinks may be one person, and what a
person decided about them.

A proposal holds no plaintext: the explanation keeps each comparison's name, status, level and
weight only (values are decrypted again, per viewer, when a proposal is shown), and the reason
detail a reviewer may type is sealed under its own data key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import Person
from tracing.crypto.fields import EncryptedTextField
from tracing.models import DataKey
from tracing.permissions import register_visibility


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed: same person")
    REJECTED = "rejected", _("Rejected: different persons")
    # Replaced by a newer proposal of the same pair after its score inputs changed.
    SUPERSEDED = "superseded", _("Superseded")


class ProposalDecision(models.TextChoices):
    LIKELY = "likely", _("Likely match")
    POSSIBLE = "possible", _("Possible match")


class DecisionReason(models.TextChoices):
    # Confirmation
    DETAILS_AGREE = "details_agree", _("Names, dates and places agree")
    CONFIRMED_BY_PERSON = "confirmed_by_person", _("Confirmed with the person or family")
    DOCUMENTS = "documents", _("Documents show it is the same person")
    # Rejection
    DIFFERENT_PERSON = "different_person", _("Different persons")
    RELATIVE = "relative", _("A relative (sibling, parent, child), not the same person")
    INSUFFICIENT = "insufficient", _("Too little in common to tell")
    OTHER = "other", _("Other (explain in the detail)")


CONFIRM_REASONS = (
    DecisionReason.DETAILS_AGREE,
    DecisionReason.CONFIRMED_BY_PERSON,
    DecisionReason.DOCUMENTS,
    DecisionReason.OTHER,
)
REJECT_REASONS = (
    DecisionReason.DIFFERENT_PERSON,
    DecisionReason.RELATIVE,
    DecisionReason.INSUFFICIENT,
    DecisionReason.OTHER,
)


class MatchProposal(models.Model):
    """An ordered pair (person_a.id < person_b.id) scored at or above the `possible` threshold."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    decision = models.CharField(max_length=10, choices=ProposalDecision.choices)
    # {"score", "decision", "fields": [{"comparison", "status", "level", "weight"}]}: no values.
    explanation = models.JSONField(default=dict)
    # sha256 of the comparison levels: equal hash = no new information since the last run.
    score_inputs_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=ProposalState.choices, default=ProposalState.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=24, choices=DecisionReason.choices, blank=True)
    # Created only when a reviewer writes a detail: most proposals never need a key.
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason_detail = EncryptedTextField(_("details"), blank=True, plain_max_length=1000)
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="match_pair_ordered"),
            # One live proposal per pair; superseded ones stay as history.
            models.UniqueConstraint(
                fields=["person_a", "person_b"], condition=~Q(state="superseded"), name="match_one_live_per_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"]),
            models.Index(fields=["person_b", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == ProposalState.PROPOSED


class MatchWeightSet(models.Model):
    """m/u probabilities and thresholds refitted from reviewers' decisions (refit_match_weights).

    The newest set is the one matching uses (matching.weights.active_weights); with none, the
    shipped matching/data/weights.json. Holds counts and probabilities only, no personal data.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed = models.PositiveIntegerField()
    rejected = models.PositiveIntegerField()
    likely = models.FloatField()
    possible = models.FloatField()
    # Weights.to_json() as stored data: {"notes", "thresholds", "comparisons": {c: {level: {m, u}}}}.
    parameters = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"weights of {self.created_at:%Y-%m-%d %H:%M} ({self.confirmed}+{self.rejected} decisions)"


def _visibility_rule(user: object, actor: object) -> models.QuerySet:
    # Imported here: the selectors import this module.
    from matching.selectors import proposals_visible

    return proposals_visible(user, actor)


# visible(user, MatchProposal) then answers like visible(user, Case): lists, lookups, the API.
register_visibility(MatchProposal, _visibility_rule)
