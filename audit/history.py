"""Querysets that refuse bulk writes, because bulk writes skip the per-row history.

django-simple-history writes a history row from the post_save/post_delete signals of a
single instance. `QuerySet.update()`, `bulk_update()` and `QuerySet.delete()` run one SQL
statement and send no per-row signal, so on a model with history they would change personal
data with no trace. `AuditedQuerySet` makes them raise instead.

Maintenance code that writes its own history and audit event (key rotation, re-encryption,
the erasure job) may open `maintenance_bulk_writes(reason)` for the duration of its batch.
The permission lives in a context variable, so it covers only the current thread or task.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models

from audit.exceptions import HistoryBypassRefused

logger = logging.getLogger(__name__)


class MaintenanceReason(models.TextChoices):
    """The only reasons a bulk write may skip per-row signals; each writes its own audit."""

    KEY_ROTATION = "key_rotation", "Key rotation (re-wrapping data keys)"
    REENCRYPTION = "reencryption", "Re-encryption of values under a new key"
    INDEX_REBUILD = "index_rebuild", "Blind index rebuild"
    HISTORY_WITH_ROWS = "history_with_rows", "Bulk write that creates its history rows itself"


_active_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_maintenance_bulk_writes", default=None
)


@contextmanager
def maintenance_bulk_writes(reason: MaintenanceReason | str) -> Iterator[None]:
    """Allow bulk update/delete on audited models inside this block, for this context only.

    The caller promises to write the history rows and an audit event for what it changes.
    The reason must be a `MaintenanceReason`; every opening is logged.
    """
    reason = MaintenanceReason(reason)
    logger.warning("audited bulk writes allowed for maintenance: %s", reason.value)
    token = _active_reason.set(reason.value)
    try:
        yield
    finally:
        _active_reason.reset(token)


def bulk_writes_allowed() -> str | None:
    """The maintenance reason in force in this context, or None."""
    return _active_reason.get()


def _refuse(model: type[models.Model], operation: str) -> None:
    if _active_reason.get() is None:
        raise HistoryBypassRefused(
            f"{model._meta.label}.objects.{operation}() would bypass the change history; "
            "save or delete each instance, or use audit.history.maintenance_bulk_writes() "
            "in maintenance code that writes its own history and audit event"
        )


class AuditedQuerySet(models.QuerySet):
    """A queryset whose history-bypassing bulk writes raise `HistoryBypassRefused`."""

    def update(self, **kwargs: Any) -> int:
        _refuse(self.model, "update")
        return super().update(**kwargs)

    def bulk_update(
        self, objs: Sequence[models.Model], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        _refuse(self.model, "bulk_update")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse(self.model, "delete")
        return super().delete()

    delete.queryset_only = True  # type: ignore[attr-defined]  # as in Django: not on managers


AuditedManager = models.Manager.from_queryset(AuditedQuerySet)


def bulk_update_with_history(
    objs: Sequence[models.Model], model: type[models.Model], fields: Sequence[str], **kwargs: Any
) -> int:
    """simple-history's bulk update, which writes the history rows itself, on an audited model."""
    from simple_history.utils import bulk_update_with_history as _bulk_update_with_history

    with maintenance_bulk_writes(MaintenanceReason.HISTORY_WITH_ROWS):
        return _bulk_update_with_history(objs, model, fields, **kwargs)
