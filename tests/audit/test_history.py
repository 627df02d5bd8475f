"""AuditedQuerySet refuses history-bypassing bulk writes; the maintenance hatch is narrow."""

from __future__ import annotations

import threading

import pytest

from audit.exceptions import HistoryBypassRefused
from audit.history import MaintenanceReason, bulk_writes_allowed, maintenance_bulk_writes
from audit.models import ChainHead
from audit.verify import verify_chain

# ChainHead uses AuditedManager: it may only move through record_event's save().


@pytest.mark.django_db
def test_bulk_writes_are_refused_without_the_hatch() -> None:
    head = ChainHead.objects.get()
    with pytest.raises(HistoryBypassRefused, match="bypass the change history"):
        ChainHead.objects.update(seq=5)
    with pytest.raises(HistoryBypassRefused):
        ChainHead.objects.filter(pk=1).delete()
    head.seq = 5
    with pytest.raises(HistoryBypassRefused):
        ChainHead.objects.bulk_update([head], ["seq"])
    assert ChainHead.objects.get().seq == 0


@pytest.mark.django_db
def test_the_hatch_allows_bulk_writes_for_a_listed_reason_only() -> None:
    with pytest.raises(ValueError):
        with maintenance_bulk_writes("because"):
            pass
    with maintenance_bulk_writes(MaintenanceReason.KEY_ROTATION):
        assert bulk_writes_allowed() == "key_rotation"
        assert ChainHead.objects.update(seq=3) == 1
    assert bulk_writes_allowed() is None
    with pytest.raises(HistoryBypassRefused):
        ChainHead.objects.update(seq=4)
    assert ChainHead.objects.get().seq == 3
    # The head moved without an event: verification reports it.
    assert [p.code for p in verify_chain().problems] == ["truncated"]


def test_the_hatch_covers_only_its_own_thread() -> None:
    seen: list[str | None] = []
    errors: list[BaseException] = []

    def other_thread() -> None:
        seen.append(bulk_writes_allowed())
        try:
            ChainHead.objects.update(seq=1)  # refused before any SQL: no database needed
        except HistoryBypassRefused as exc:
            errors.append(exc)

    with maintenance_bulk_writes(MaintenanceReason.REENCRYPTION):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        assert bulk_writes_allowed() == "reencryption"
    assert seen == [None] and len(errors) == 1
