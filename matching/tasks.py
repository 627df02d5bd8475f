"""Celery tasks of matching. Each fetches by id and calls the action; all are idempotent
(re-running creates nothing when nothing changed), so acks_late redelivery is safe.

Beat (settings CELERY_BEAT_SCHEDULE):
    "match_all_nightly": {"task": "matching.tasks.match_all_nightly", "schedule": crontab(hour=2, minute=0)}
"""

from __future__ import annotations

from collections.abc import Iterator

from celery import group, shared_task

from cases.models import Person
from matching.actions import match_person_run

NIGHTLY_BATCH = 500


@shared_task(acks_late=True)
def match_person(person_id: str) -> int:
    """After commit of every new or changed person record; also "Find matches" on a case."""
    return len(match_person_run(person_id=person_id).created)


@shared_task(acks_late=True)
def match_batch(person_ids: list[str]) -> int:
    """One share of the nightly run: a worker takes a batch, so several workers split the work."""
    return sum(len(match_person_run(person_id=pid).created) for pid in person_ids)


def _batches(size: int) -> Iterator[list[str]]:
    ids = Person.objects.filter(erased_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    batch: list[str] = []
    for pk in ids.iterator(chunk_size=10_000):
        batch.append(str(pk))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@shared_task(acks_late=True)
def match_all_nightly(batch_size: int = NIGHTLY_BATCH) -> int:
    """Beat: every person again (new weights, persons whose partner changed). Returns the batch count."""
    batches = [match_batch.s(batch) for batch in _batches(batch_size)]
    if batches:
        group(batches).apply_async()
    return len(batches)
