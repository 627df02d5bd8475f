"""Writing audit events: the one way rows enter the chain."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, normalise_data, normalise_ids
from audit.models import AuditEvent, ChainHead

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def _staff_office_id(user: Any) -> int | None:
    # The policy caches the user's office on the user for the request (tracing.permissions.
    # actor_for); reading it from there saves a query on every logged page view.
    actor = getattr(user, "_tracing_actor", None)
    if actor is not None:
        return actor.office_id
    try:
        return user.staff.office_id
    except (ObjectDoesNotExist, AttributeError):
        return None


def _locked_head() -> ChainHead:
    """The chain head, locked until the surrounding transaction ends."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # Only after a flush (tests) or a hand-made database: rebuild the head from the log.
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, last_hash = last if last else (0, GENESIS_HASH)
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=1, seq=seq, hash=last_hash)
    except IntegrityError:
        pass  # another writer created it first; take its lock below
    return ChainHead.objects.select_for_update().get(pk=1)


def record_event(
    *,
    event_type: str,
    actor: Any | None,
    office: Any | None = None,
    case_id: uuid.UUID | str | None = None,
    person_ids: Iterable[Any] = (),
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit chain, inside the caller's transaction.

    Call it inside the same `transaction.atomic()` as the action it records: the event then
    commits or rolls back with the action. The chain head stays locked until that
    transaction ends, so record the event late in the action. `data` must hold no plaintext
    personal data (ids, field names, states, fixed-choice reasons, counts, blind-index
    terms); floats are refused because their JSON text is not stable.
    """
    if len(event_type) > 64 or not EVENT_TYPE.match(event_type):
        raise ValueError(f"event_type must be a dotted lower-case name, not {event_type!r}")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # AnonymousUser: an unauthenticated request
    clean_data = normalise_data(data)
    clean_person_ids = normalise_ids(person_ids)
    with transaction.atomic():
        head = _locked_head()
        event = AuditEvent(
            seq=head.seq + 1,
            # Taken under the head lock, so times never run backwards along the chain.
            occurred_at=timezone.now(),
            event_type=event_type,
            actor_id=actor.pk if actor is not None else None,
            actor_username=actor.get_username() if actor is not None else "",
            actor_office_id=_staff_office_id(actor) if actor is not None else None,
            office_id=office.pk if office is not None else None,
            case_id=str(case_id) if case_id is not None else None,
            person_ids=clean_person_ids,
            data=clean_data,
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event
