"""Reads of tracing requests for pages and the API, scoped by the policy, decrypting only
what the viewer's current level on the case allows (a revoked share shows status only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.access import log_access
from tracing.network.models import TracingRequest
from tracing.permissions import Level, actor_for, case_levels, person_fields, visible


@dataclass
class RequestView:
    """A request as one viewer may see it: `level` decides which sealed fields are opened."""

    req: TracingRequest
    level: int
    direction: str  # "sent" or "received"

    @property
    def shows_content(self) -> bool:
        return self.level > Level.NONE

    @property
    def sought_name(self) -> str:
        person = self.req.sought_person
        if person is None or person.erased_at or "display_name" not in person_fields(self.level, "sought"):
            return ""
        return person.display_name

    @property
    def question(self) -> str:
        return self.req.question if self.shows_content else ""

    @property
    def searched(self) -> str:
        return self.req.searched if self.shows_content else ""

    @property
    def answer(self) -> str:
        note = self.req.answer_note
        return note.body if (self.shows_content and note is not None) else ""

    @property
    def overdue(self) -> bool:
        return self.req.status in ("sent", "accepted") and self.req.due_date < timezone.localdate()


def _base(user: Any) -> QuerySet[TracingRequest]:
    return visible(user, TracingRequest).select_related(
        "case", "from_office", "to_office", "data_key", "sought_person", "sought_person__data_key",
        "answer_note", "answer_note__data_key",
    )


def _views(user: Any, reqs: list[TracingRequest]) -> list[RequestView]:
    actor = actor_for(user)
    levels = case_levels(user, [r.case for r in reqs])
    office_id = actor.office_id if actor else None
    views = [RequestView(req=r, level=levels[r.case_id], direction="sent" if r.from_office_id == office_id
                         else "received") for r in reqs]
    shown = [v for v in views if v.sought_name]
    if shown:
        log_access(user=user, kind="view", case_ids=[v.req.case_id for v in shown],
                   person_ids=[v.req.sought_person_id for v in shown], detail={"rows": len(shown)})
    return views


def request_list(*, user: Any, direction: str, status: str | None = None, limit: int = 200) -> list[RequestView]:
    """Requests the user's office sent or received, newest due first among open ones."""
    actor = actor_for(user)
    if actor is None:
        return []
    qs = _base(user)
    qs = qs.filter(from_office_id=actor.office_id) if direction == "sent" else qs.filter(to_office_id=actor.office_id)
    if status:
        qs = qs.filter(status=status)
    return _views(user, list(qs.order_by("due_date", "sent_at")[:limit]))


def request_detail(*, user: Any, request_id: Any) -> RequestView:
    from tracing.network.access import access_request

    req = access_request(user, request_id)
    req = _base(user).get(pk=req.pk)
    return _views(user, [req])[0]
