"""Erasing a whole case by crypto-shredding, for retention (no acting user: the rule decides).

A person is shredded by `cases.actions.persons.person_shred`, as `person_erase` does (outbox
blanked, terms and files deleted, data key destroyed, `person.erased` recorded with reason
"retention", so the restore procedure of docs/operations.md re-applies it too). The case's own
data key is then destroyed as well. Rows sealed under the case key (case fields, notes, request questions,
outbox messages…) are blanked on the live row first so the pages keep working on an erased
case; their history rows keep the old tokens, which nothing can open once the key is gone.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from cases.actions.common import touch
from cases.actions.persons import person_shred
from cases.attachments import attachment_files_delete
from cases.models import Attachment, Case, ErasureReason
from tracing.crypto.datakeys import data_key_destroy
from tracing.crypto.fields import ENCRYPTED_MODELS
from tracing.models import OutboxMessage


def case_is_erased(case: Case) -> bool:
    return case.data_key.destroyed_at is not None


def _blank_rows_under(key_id: Any) -> int:
    """Empty every encrypted field of the live rows sealed under one data key (history stays)."""
    blanked = 0
    for model, names in ENCRYPTED_MODELS.items():
        if is_history_model(model) or "data_key" not in {f.name for f in model._meta.concrete_fields}:
            continue
        for row in model._default_manager.filter(data_key_id=key_id):
            for name in names:
                setattr(row, name, None)
            fields = list(names)
            if isinstance(row, OutboxMessage) and row.status in (OutboxMessage.Status.PENDING,
                                                                 OutboxMessage.Status.HELD):
                row.status, row.last_error = OutboxMessage.Status.FAILED, "case erased"
                fields += ["status", "last_error"]
            row.save(update_fields=fields)
            blanked += 1
    return blanked


def case_shred(case: Case) -> int:
    """Crypto-shred a case and every person in it; the caller holds the case lock and records
    the per-case event. Returns the number of persons erased now."""
    persons = list(case.persons.select_related("data_key").filter(erased_at__isnull=True))
    for person in persons:
        person.case = case
        person_shred(person, reason=ErasureReason.RETENTION.value, actor=None)
    attachment_files_delete(list(Attachment.objects.filter(case=case, person__isnull=True)))
    _blank_rows_under(case.data_key_id)
    data_key_destroy(case.data_key)
    # A form opened before the erasure now conflicts instead of sealing under the destroyed key.
    # (Reloaded first: this instance still holds the tokens that were just emptied on the row.)
    case.refresh_from_db()
    touch(case)
    return len(persons)


def is_history_model(model: type[models.Model]) -> bool:
    return model.__name__.startswith("Historical")
