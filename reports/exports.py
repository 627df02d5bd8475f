"""Exports of the case list and of persons, as CSV or XLSX (docs/reports.md "Exports").

Rows: only cases the policy shows the user (`visible(user, Case)`; persons through
`persons_with_fields`). Cells: a case column outside CASE_SEARCH_FIELDS is empty below the
owner level, a person column outside `person_fields(level, role)` is empty and never
decrypted. Every export is recorded before the first row leaves: an `access.export` event with
the case and person ids read, and an `export` event with the format, filters and counts.
Every cell goes through reports.spreadsheet (formula injection).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from audit.access import log_access
from audit.events import record_event
from cases.models import Case, CaseKind, Person, PersonRole
from reports.selectors import in_period
from reports.spreadsheet import csv_lines, write_xlsx
from tracing.exceptions import DecryptionFailed, NotPermitted, ValidationFailed
from tracing.permissions import (
    CASE_SEARCH_FIELDS,
    Level,
    can,
    case_levels,
    person_fields,
    persons_with_fields,
    visible,
)

CHUNK = 500


def max_rows() -> int:
    return int(getattr(settings, "REPORTS_EXPORT_MAX_ROWS", 10000))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Any], Any]
    #: The model fields it reads (for .only(): nothing else is loaded or decrypted).
    reads: tuple[str, ...] = ()


def _read(column: Column, obj: Any) -> Any:
    """The cell; empty when the data was crypto-shredded (its key destroyed by erasure or retention)."""
    try:
        return column.value(obj)
    except DecryptionFailed:
        return ""


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def case_columns() -> list[Column]:
    return [
        Column("reference", _("Reference"), lambda c: c.reference, ("reference",)),
        Column("office", _("Office"), lambda c: c.office.code, ("office__code",)),
        Column("state", _("State"), lambda c: c.get_state_display(), ("state",)),
        Column("state_reason", _("Reason"), lambda c: c.state_reason, ("state_reason",)),
        Column("priority", _("Priority"), lambda c: c.get_priority_display(), ("priority",)),
        Column("separation_cause", _("Cause of separation"), lambda c: c.get_separation_cause_display(),
               ("separation_cause",)),
        Column("separation_date", _("Date of separation"), lambda c: c.separation_date, ("separation_date",)),
        Column("separation_place", _("Place of separation"), lambda c: c.separation_place, ("separation_place",)),
        Column("involves_minor", _("A minor is involved"), lambda c: c.involves_minor, ("involves_minor",)),
        Column("created_at", _("Opened"), lambda c: _when(c.created_at), ("created_at",)),
        Column("accepted_at", _("Accepted"), lambda c: _when(c.accepted_at), ("accepted_at",)),
        Column("located_at", _("Located"), lambda c: _when(c.located_at), ("located_at",)),
        Column("closed_at", _("Closed"), lambda c: _when(c.closed_at), ("closed_at",)),
        Column("sought_names", _("Sought persons"),
               lambda c: "; ".join(p.display_name for p in c.export_sought), ()),
    ]


#: Case columns a partner office (SEARCH or FULL share) may have; the rest needs OWNER.
PARTNER_CASE_COLUMNS = CASE_SEARCH_FIELDS | {"office", "sought_names"}

PERSON_ENCRYPTED = ("display_name", "sex", "birth_date", "birth_place", "nationality", "phone", "email", "address")


def person_columns() -> list[Column]:
    labels = {"display_name": _("Name"), "sex": _("Sex"), "birth_date": _("Date of birth"),
              "birth_place": _("Place of birth"), "nationality": _("Nationality"), "phone": _("Phone"),
              "email": _("Email"), "address": _("Address")}
    plain = [
        Column("case_reference", _("Case reference"), lambda p: p.case.reference, ()),
        Column("office", _("Office"), lambda p: p.case.office.code, ()),
        Column("role", _("Role in case"), lambda p: p.get_role_display(), ("role",)),
        Column("relationship", _("Relationship to the enquirer"), lambda p: p.get_relationship_display(),
               ("relationship",)),
        Column("is_minor", _("Is a minor"), lambda p: p.is_minor, ("is_minor",)),
    ]
    return plain + [Column(f, labels[f], lambda p, f=f: getattr(p, f), (f,)) for f in PERSON_ENCRYPTED]


@dataclass(frozen=True)
class ExportRequest:
    kind: str  # "cases" | "persons"
    fmt: str  # "csv" | "xlsx"
    state: str = ""
    cause: str = ""
    start: Any = None
    end: Any = None

    def filters(self) -> dict[str, Any]:
        return {"state": self.state or None, "cause": self.cause or None,
                "from": self.start.isoformat() if self.start else None,
                "to_before": self.end.isoformat() if self.end else None}


@dataclass
class Export:
    """A prepared export: recorded in the audit trail, rows produced while it is written."""

    request: ExportRequest
    header: list[str]
    rows: Iterator[list[Any]]
    count: int

    @property
    def filename(self) -> str:
        return f"{self.request.kind}.{self.request.fmt}"

    @property
    def content_type(self) -> str:
        if self.request.fmt == "csv":
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def csv_stream(self) -> Iterator[str]:
        return csv_lines(self.header, self.rows)

    def xlsx_file(self) -> Any:
        """The workbook in a temporary file (memory up to 8 MB, then disk), rewound."""
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115  (returned open)
        write_xlsx(out, self.request.kind, self.header, self.rows)
        out.seek(0)
        return out


def _selected_cases(user: Any, req: ExportRequest) -> QuerySet[Case]:
    qs = visible(user, Case).filter(kind=CaseKind.TRACING)  # registers: received lists, not cases
    if req.state:
        qs = qs.filter(state=req.state)
    if req.cause:
        qs = qs.filter(separation_cause=req.cause)
    return in_period(qs, "created_at", req.start, req.end)


def _limited_ids(qs: QuerySet, order: tuple[str, ...]) -> list[Any]:
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[: max_rows() + 1])
    if len(ids) > max_rows():
        raise ValidationFailed(_("More than %(n)d rows: narrow the selection (state, cause, period).")
                               % {"n": max_rows()})
    return ids


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _record(user: Any, req: ExportRequest, *, case_ids: list[Any], person_ids: list[Any], rows: int,
            columns: list[str]) -> None:
    detail = {"format": req.fmt, "what": req.kind, "rows": rows, "filters": req.filters()}
    with transaction.atomic():
        log_access(user=user, kind="export", case_ids=case_ids, person_ids=person_ids, detail=detail)
        record_event(event_type="export", actor=user, person_ids=[],
                     data={**detail, "columns": columns, "cases": len(set(case_ids)), "persons": len(person_ids)})


def _case_rows(user: Any, ids: list[Any], columns: list[Column]) -> Iterator[list[Any]]:
    reads = {"id", "office_id", "assigned_to_id", "data_key"} | {r for c in columns for r in c.reads}
    sought = Person.objects.filter(role=PersonRole.SOUGHT, erased_at__isnull=True).select_related(
        "data_key").only("id", "case_id", "role", "data_key", "display_name")
    for chunk in _chunks(ids):
        cases = (Case.objects.filter(pk__in=chunk).select_related("office", "data_key")
                 .only(*reads).prefetch_related(Prefetch("persons", queryset=sought, to_attr="export_sought")))
        by_id = {c.pk: c for c in cases}
        levels = case_levels(user, list(by_id.values()))
        for pk in chunk:
            case, level = by_id.get(pk), levels.get(pk, Level.NONE)
            if case is None or level == Level.NONE:
                continue  # deleted, or its share revoked, since the selection was made
            names = "display_name" in person_fields(level, PersonRole.SOUGHT)
            yield [_read(col, case) if (level >= Level.OWNER or col.key in PARTNER_CASE_COLUMNS)
                   and (col.key != "sought_names" or names) else "" for col in columns]


def export_cases(*, user: Any, req: ExportRequest) -> Export:
    """The case list. Security entry point: `case.export`, visible cases only, audited."""
    if not can(user, "case.export", None):
        raise NotPermitted(_("You may not export case lists."))
    ids = _limited_ids(_selected_cases(user, req), ("created_at", "reference"))
    columns = case_columns()
    sought_ids = list(Person.objects.filter(case_id__in=ids, role=PersonRole.SOUGHT, erased_at__isnull=True)
                      .values_list("pk", flat=True)) if ids else []
    _record(user, req, case_ids=ids, person_ids=sought_ids, rows=len(ids), columns=[c.key for c in columns])
    return Export(request=req, header=[c.label for c in columns], rows=_case_rows(user, ids, columns),
                  count=len(ids))


def _person_rows(user: Any, ids: list[Any], columns: list[Column]) -> Iterator[list[Any]]:
    reads = {"id", "case_id", "role", "data_key", "erased_at"} | {r for c in columns for r in c.reads}
    for chunk in _chunks(ids):
        persons = (Person.objects.filter(pk__in=chunk).select_related("data_key", "case", "case__office")
                   .only(*reads, "case__reference", "case__office_id", "case__assigned_to_id", "case__office__code"))
        by_id = {p.pk: p for p in persons}
        cases = {p.case_id: p.case for p in by_id.values()}
        levels = case_levels(user, list(cases.values()))
        for pk in chunk:
            person = by_id.get(pk)
            live = person is not None and person.erased_at is None
            allowed = person_fields(levels[person.case_id], person.role) if live else frozenset()
            if not allowed:
                continue  # erased, deleted or no longer shared since the selection was made
            # A column outside `allowed` is never read, so never decrypted.
            yield [_read(col, person) if (not col.reads or col.key not in PERSON_ENCRYPTED or col.key in allowed)
                   else "" for col in columns]


def export_persons(*, user: Any, req: ExportRequest) -> Export:
    """Persons of the visible cases. Security entry point: `person.export`, field redaction, audited."""
    if not can(user, "person.export", None):
        raise NotPermitted(_("You may not export persons."))
    cases = _selected_cases(user, req).values("pk")
    qs = persons_with_fields(user).filter(case__in=cases)
    ids = _limited_ids(qs, ("case__created_at", "case__reference", "role", "created_at"))
    case_ids = list(Person.objects.filter(pk__in=ids).values_list("case_id", flat=True).distinct()) if ids else []
    columns = person_columns()
    _record(user, req, case_ids=case_ids, person_ids=ids, rows=len(ids), columns=[c.key for c in columns])
    return Export(request=req, header=[c.label for c in columns], rows=_person_rows(user, ids, columns),
                  count=len(ids))


def export(*, user: Any, req: ExportRequest) -> Export:
    return export_persons(user=user, req=req) if req.kind == "persons" else export_cases(user=user, req=req)
