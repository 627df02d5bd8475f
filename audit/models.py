"""The audit trail: a hash-chained, append-only event log, its head pointer and checkpoints.

Rows of AuditEvent and AuditCheckpoint are never updated or deleted: the model, its
queryset and database triggers (migration 0002) all refuse. The log holds no plaintext
personal data, only ids, field names, states, fixed-choice reasons, counts and blind-index
terms, so it survives crypto-shredding and erasure without leaking what was erased.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.chain import GENESIS_HASH, event_hash
from audit.exceptions import AppendOnlyViolation
from audit.history import AuditedManager


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses every bulk write; rows are only ever inserted one at a time by this app."""

    def _refuse(self, operation: str) -> NoReturn:
        raise AppendOnlyViolation(f"{self.model._meta.label} is append-only: {operation}() refused")

    def update(self, **kwargs: Any) -> int:
        self._refuse("update")

    def bulk_update(
        self, objs: Sequence[models.Model], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        self._refuse("bulk_update")

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse("delete")

    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(
        self, objs: Sequence[models.Model], *args: Any, **kwargs: Any
    ) -> list[models.Model]:
        # Bulk inserts would skip the chain head lock (events) or the signing (checkpoints).
        self._refuse("bulk_create")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnlyModel(models.Model):
    """Instances can be inserted once; save() of an existing row and delete() raise."""

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyViolation(f"{self._meta.label} is append-only: update refused")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyViolation(f"{self._meta.label} is append-only: delete refused")


class AuditEvent(AppendOnlyModel):
    """One domain event or read access, chained to the previous one by `prev_hash`.

    Written only by audit.events.record_event (and audit.access.log_access through it).
    """

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    event_type = models.CharField(max_length=64)
    # No database constraint and DO_NOTHING: deleting a user must neither fail nor rewrite the
    # log; actor_id and actor_username keep who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    # Offices are never deleted while their history exists.
    actor_office = models.ForeignKey(
        "tracing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        "tracing.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Plain columns, not foreign keys: cases and persons may be erased, their events stay.
    case_id = models.CharField(max_length=64, null=True, blank=True)
    person_ids = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["case_id", "seq"], name="audit_event_case_idx"),
            models.Index(fields=["actor", "seq"], name="audit_event_actor_idx"),
            models.Index(fields=["office", "seq"], name="audit_event_office_idx"),
            models.Index(fields=["event_type", "seq"], name="audit_event_type_idx"),
            models.Index(fields=["occurred_at"], name="audit_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Catches code that builds events by hand instead of through record_event.
        if self._state.adding and self.hash != self.compute_hash():
            raise AppendOnlyViolation("audit event hash does not match its columns")
        super().save(*args, **kwargs)

    def hashed_columns(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at,
            "event_type": self.event_type,
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "actor_office_id": self.actor_office_id,
            "office_id": self.office_id,
            "case_id": self.case_id,
            "person_ids": self.person_ids,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return event_hash(**self.hashed_columns())


class ChainHead(models.Model):
    """The single row every writer locks: the last event's seq and hash.

    Serialising on this row (SELECT ... FOR UPDATE) is what keeps seq gapless and the chain
    unforked under concurrent transactions; the primary key on seq is the backstop.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = AuditedManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_single_row")
        ]

    def __str__(self) -> str:
        return f"chain head #{self.seq}"


class AuditCheckpoint(AppendOnlyModel):
    """A signed statement that the chain had `size` events ending in `head_hash`.

    Written by audit.checkpoints.write_checkpoint; see that module for the signed text.
    """

    size = models.BigIntegerField(unique=True)
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint at {self.size}"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AuditExport(models.Model):
    """A background export of a selection of audit events, for the auditor who asked for it.

    Mutable job state (progress), so not append-only; the export itself is recorded in the
    chain (`export` event and `access.export`). `filters` holds the resolved selection (ids,
    a username, an event type, dates): never plaintext personal data.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("json", "JSON")])
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # Relative to MEDIA_ROOT; served only through the owner-checked download view.
    file = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"audit export {self.id} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if self.status == JobStatus.DONE else (self.processed * 100 // self.total if self.total else 0)


class AuditVerification(models.Model):
    """One run of verify_chain() started from the workspace, and its result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    # VerificationResult.as_dict(): counts, head hash, problem codes and messages (no personal data).
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"audit verification {self.id} ({self.status})"
