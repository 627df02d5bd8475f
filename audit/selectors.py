"""Reads of the audit trail for the auditor workspace and its exports.

Every read starts from the policy (`tracing.permissions.audit_events_visible`, and `visible(user,
Case)` for a case's story) and never decrypts: the workspace shows ids, references, usernames,
event types and field names. Which fields a history row changed is found by comparing the
ciphertext tokens of consecutive history rows of the same record: an unchanged value keeps its
token when the record is saved again (tracing.crypto.fields.EncryptedField.pre_save), so the
tokens differ exactly when the value was changed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Count, Max, Min, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import Contains
from django.utils import timezone

from audit.access import log_access
from audit.models import AuditEvent
from tracing.crypto.fields import Sealed
from tracing.exceptions import NotFound, NotPermitted
from tracing.models import Office
from tracing.permissions import Actor, actor_for, audit_events_visible, can, visible

#: Entries of one case's timeline, per source; a longer story says so and points to the export.
TIMELINE_MAX = 2000


def require_auditor(user: Any) -> Actor:
    """The user's actor if they may use the audit workspace, else NotPermitted (403).

    Security entry point of every workspace page: the workspace is not a case, so refusing
    it reveals nothing and is a 403, not a 404.
    """
    actor = actor_for(user)
    if actor is None or not can(user, "audit.view"):
        raise NotPermitted("Only auditors may use the audit workspace.")
    return actor


def auditable_offices(user: Any) -> QuerySet[Office]:
    """The offices whose trail the auditor may filter by (their own; all when network-wide)."""
    actor = actor_for(user)
    if actor is None:
        return Office.objects.none()
    offices = Office.objects.order_by("code")
    return offices if actor.network_wide else offices.filter(pk=actor.office_id)


def log_auditor_view(*, user: Any, page: str, case_ids: Iterable[Any] = (), person_ids: Iterable[Any] = (),
                     detail: dict[str, Any] | None = None) -> AuditEvent:
    """Every workspace page an auditor opens is itself an event (`access.auditor_view`)."""
    return log_access(user=user, kind="auditor_view", purpose="audit", case_ids=case_ids, person_ids=person_ids,
                      detail={"page": page, **(detail or {})})


# --- selection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """A resolved selection of events: ids, a username, an event type, dates. No personal data,
    so it can be stored on an export job and logged as is."""

    office_id: int | None = None
    username: str = ""
    case_id: str | None = None
    person_id: str | None = None
    # Exact type, or a prefix when it ends with "." ("access." = every read).
    event_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("date_from", "date_to"):
            if values[key] is not None:
                values[key] = values[key].isoformat()
        return {k: v for k, v in values.items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventFilter:
        values = dict(data)
        for key in ("date_from", "date_to"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        return cls(**values)


def json_list_contains(column: str, value: str, *, using: str = "default") -> Q:
    """Rows whose JSON list `column` (a field, or a key path like data__case_ids) holds `value`.

    PostgreSQL: jsonb containment (`@>`), served by the GIN indexes of migration 0003.
    SQLite has no containment operator: a LIKE for the quoted value on the column's JSON text
    (a full scan, acceptable at the sizes the embedded default is for). The values are ids
    (UUIDs, digits), so the quoted text matches only that id; for a key path the LIKE runs on
    the whole JSON object, i.e. it also matches the id under another key of `data`, which is
    then an event about that record too.
    """
    if connections[using].vendor == "postgresql":
        return Q(**{f"{column}__contains": [value]})
    base = column.split("__", 1)[0]
    return Q(Contains(Cast(base, output_field=TextField()), f'"{value}"'))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def events_for(user: Any, flt: EventFilter) -> QuerySet[AuditEvent]:
    """The events the user may read that match `flt`, oldest first (by seq)."""
    qs = audit_events_visible(user)
    if flt.office_id is not None:
        qs = qs.filter(Q(office_id=flt.office_id) | Q(actor_office_id=flt.office_id))
    if flt.username:
        qs = qs.filter(actor_username=flt.username)
    if flt.case_id:
        # A list read logs many cases in data["case_ids"] and none in the column.
        qs = qs.filter(Q(case_id=flt.case_id) | json_list_contains("data__case_ids", flt.case_id, using=qs.db))
    if flt.person_id:
        qs = qs.filter(json_list_contains("person_ids", flt.person_id, using=qs.db))
    if flt.event_type:
        qs = (qs.filter(event_type__startswith=flt.event_type) if flt.event_type.endswith(".")
              else qs.filter(event_type=flt.event_type))
    if flt.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(flt.date_to + dt.timedelta(days=1)))
    return qs.order_by("seq")


def case_references(user: Any, case_ids: Iterable[Any]) -> dict[str, str]:
    """References of the cases among `case_ids` the user may see, in one query."""
    valid = set()
    for value in case_ids:
        try:
            valid.add(uuid.UUID(str(value)))
        except ValueError:
            continue  # case_id is free text in the log; only real case ids resolve
    if not valid:
        return {}
    from cases.models import Case

    return {str(pk): ref for pk, ref in visible(user, Case).filter(pk__in=valid).values_list("pk", "reference")}


def person_readers(user: Any, person_id: str) -> list[dict[str, Any]]:
    """Who read this person's data (access.* events), per user and office: for a data subject
    access request. One grouped query over the events the auditor may see."""
    qs = events_for(user, EventFilter(person_id=person_id, event_type="access."))
    return list(
        qs.order_by().values("actor_username", "actor_office__code")
        .annotate(reads=Count("seq"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-last")
    )


# --- one case's story ----------------------------------------------------------------------


@dataclass
class TimelineEntry:
    when: dt.datetime
    kind: str  # change, read, share, request, disclosure, event
    actor: str
    label: str
    seq: int | None = None
    record: str = ""
    record_id: str = ""
    fields: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class Timeline:
    case: Any
    entries: list[TimelineEntry]
    truncated: bool


def _event_kind(event_type: str) -> str:
    if event_type.startswith("access."):
        return "read"
    if event_type.startswith(("share.", "case.share")):
        return "share"
    if event_type.startswith(("request.", "network.request")):
        return "request"
    if event_type == "contact.disclosed":
        return "disclosure"
    return "event"


def _event_detail(event: AuditEvent) -> str:
    data = dict(event.data)
    cases = data.pop("case_ids", None)
    parts = [f"{k}={v}" for k, v in sorted(data.items()) if k != "kind" and v not in ("", None, [], {})]
    if cases and len(cases) > 1:
        parts.append(f"cases={len(cases)}")  # a list read: the other cases are not this story
    return ", ".join(parts)


def _history_sources(case: Any) -> list[tuple[str, QuerySet]]:
    from cases.models import Attachment, Case, Consent, Disclosure, Note, Person, PersonName, PersonPlace

    person_ids = Person.history.filter(case_id=case.pk).values("id")
    return [
        ("Case", Case.history.filter(id=case.pk)),
        ("Person", Person.history.filter(case_id=case.pk)),
        ("PersonName", PersonName.history.filter(person_id__in=person_ids)),
        ("PersonPlace", PersonPlace.history.filter(person_id__in=person_ids)),
        ("Note", Note.history.filter(case_id=case.pk)),
        ("Attachment", Attachment.history.filter(case_id=case.pk)),
        ("Consent", Consent.history.filter(case_id=case.pk)),
        ("Disclosure", Disclosure.history.filter(case_id=case.pk)),
    ]


def _raw(value: Any) -> Any:
    # The token, never the opened value: nothing is decrypted.
    return value.token if isinstance(value, Sealed) else value


def history_changes(label: str, qs: QuerySet, *, limit: int = TIMELINE_MAX) -> tuple[list[TimelineEntry], bool]:
    """One entry per history row: created, deleted, or which fields changed since the record's
    previous history row (ciphertext tokens compared, see the module docstring)."""
    model = qs.model
    tracked = [(f.name, f.attname) for f in model._meta.concrete_fields
               if not f.name.startswith("history_") and f.name != "id"]
    rows = list(qs.order_by("id", "history_date", "history_id").values(
        "id", "history_id", "history_date", "history_type", "history_user_id", *[a for _n, a in tracked]
    )[: limit + 1])
    truncated = len(rows) > limit
    users = dict(get_user_model().objects.filter(pk__in={r["history_user_id"] for r in rows} - {None})
                 .values_list("pk", "username"))
    entries, previous = [], {}
    for row in rows[:limit]:
        prior = previous.get(row["id"])
        kind = row["history_type"]
        if kind == "+":
            action, changed = "created", []
        elif kind == "-":
            action, changed = "deleted", []
        else:
            action = "changed"
            changed = ([name for name, attname in tracked if _raw(row[attname]) != _raw(prior[attname])]
                       if prior is not None else ["(earlier history not kept)"])
        previous[row["id"]] = row
        entries.append(TimelineEntry(
            when=row["history_date"], kind="change", actor=users.get(row["history_user_id"], ""),
            label=f"{label} {action}", record=label, record_id=str(row["id"]), fields=changed,
        ))
    return entries, truncated


def case_events(case_id: str, *, using: str = "default") -> QuerySet[AuditEvent]:
    """Every event about one case: its own events and list reads that included it."""
    return AuditEvent.objects.using(using).filter(
        Q(case_id=case_id) | json_list_contains("data__case_ids", case_id, using=using)
    ).order_by("seq")


def case_timeline(user: Any, case_id: Any) -> Timeline:
    """One case's full story: changes (history rows), reads, shares, requests and disclosures,
    merged by time. NotFound (404) when the case is not in the auditor's scope."""
    from cases.models import Case

    require_auditor(user)
    try:
        case = visible(user, Case).only("id", "reference", "office_id").get(pk=case_id)
    except (Case.DoesNotExist, ValueError) as exc:
        raise NotFound("No such case.") from exc
    entries: list[TimelineEntry] = []
    truncated = False
    for label, qs in _history_sources(case):
        found, cut = history_changes(label, qs)
        entries += found
        truncated |= cut
    events = list(case_events(str(case.pk)).only("seq", "occurred_at", "event_type", "actor_username", "data")
                  [: TIMELINE_MAX + 1])
    truncated |= len(events) > TIMELINE_MAX
    for event in events[:TIMELINE_MAX]:
        entries.append(TimelineEntry(
            when=event.occurred_at, kind=_event_kind(event.event_type), actor=event.actor_username,
            label=event.event_type, seq=event.seq, detail=_event_detail(event),
        ))
    # History rows are written before the event that records the action: at equal times first.
    entries.sort(key=lambda e: (e.when, e.seq is not None, e.seq or 0))
    return Timeline(case=case, entries=entries, truncated=truncated)
