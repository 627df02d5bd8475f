"""Import batches: one uploaded file (CSV, Excel or PFIF) and its way into a register.

The uploaded file itself is kept sealed on disk (exchange/storage.py) until the import is
done, then deleted; the database keeps counts, the column mapping, the problems found
(row, column, problem; never cell values) and the register the persons were written to.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracing.models import DataKey, Office
from tracing.permissions import register_visibility


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (.xlsx)")
    PFIF = "pfif", _("PFIF 1.4 XML")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: choose the columns")
    CHECKING = "checking", _("Checking every row")
    CHECKED = "checked", _("Checked")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Refused")


class ImportBatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    format = models.CharField(_("format"), max_length=8, choices=ImportFormat.choices)
    # The source's name for the list (e.g. "Camp A registration"); not personal data.
    label = models.CharField(_("name of the list"), max_length=120)
    encoding = models.CharField(_("encoding"), max_length=20, default="utf-8")
    size = models.PositiveBigIntegerField(default=0)
    # SHA-256 of the file's bytes: the same file uploaded twice is the same batch.
    digest = models.CharField(max_length=64)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    columns = models.JSONField(default=list, blank=True)  # the header row, as read
    mapping = models.JSONField(default=dict, blank=True)  # column index (str) -> target field
    total_rows = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # first problems: {row, column, problem}
    # Resumption: rows [0, done_rows) are committed, in chunks of chunk_size.
    chunk_size = models.PositiveIntegerField(default=1000)
    done_rows = models.PositiveIntegerField(default=0)
    # PFIF records already imported in this office (from another file): not written again.
    skipped_rows = models.PositiveIntegerField(default=0)
    # SET_NULL: erasing or retiring a register (privacy, retention) must not be blocked by its batch.
    register = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["office", "digest"], name="one_batch_per_file_and_office"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_format_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0


class ImportedRecord(models.Model):
    """The source's record id of an imported person (PFIF person_record_id, a list's id
    column): re-importing the same record in the same office creates nothing new, and an
    export keeps the source's id."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")
    source_id = models.CharField(max_length=500)
    row = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "source_id"], name="one_person_per_source_id")]

    def __str__(self) -> str:
        return self.source_id


def _visibility_rule(user: object, actor: object) -> models.QuerySet:
    """Import batches: the office's caseworkers and supervisors; a caseworker who sees only
    assigned cases sees only the lists they uploaded (their registers are assigned to them)."""
    from tracing.models import Role

    if not actor.works_cases:
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.filter(office_id=actor.office_id)
    if actor.role == Role.CASEWORKER and not actor.caseworkers_see_office:
        qs = qs.filter(created_by_id=actor.user_id)
    return qs


register_visibility(ImportBatch, _visibility_rule)
