"""Aggregate numbers of the dashboards (docs/reports.md). Only counts and medians leave here.

Each table is one GROUP BY query (medians: one aggregate on PostgreSQL). The office view
counts what the policy lets the user see of their own office (`visible(user, Case)` limited to
the office); the network view counts every office and suppresses small counts
(reports.suppression). Who may read which view: `report.office` and `report.network` in
tracing.permissions.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseKind
from cases.workflow import State
from matching.models import MatchProposal, ProposalState
from reports.suppression import Shown, exact, protect
from tracing.exceptions import NotPermitted
from tracing.models import Office
from tracing.network.models import RequestStatus, TracingRequest
from tracing.permissions import actor_for, can, visible

#: Default length of the month series when no period is chosen.
DEFAULT_MONTHS = 12

OUTCOMES: list[tuple[str, Any]] = [
    ("located", _("Located (no further outcome yet)")),
    ("reunited", _("Contact restored or reunited")),
    ("refused_contact", _("Found person refused contact")),
    ("not_found", _("Not found")),
    ("deceased", _("Sought person deceased")),
    ("ended_otherwise", _("Ended otherwise (withdrawn, unreachable, declined, duplicate)")),
]
_CLOSED = Q(state=State.CLOSED)
_OUTCOME = models.Case(
    models.When(Q(state__in=[State.CONTACT_SHARED, State.MESSAGE_RELAYED]) | (_CLOSED & Q(state_reason="reunited")),
                then=Value("reunited")),
    models.When(Q(state=State.CONSENT_REFUSED) | (_CLOSED & Q(state_reason="contact_refused")),
                then=Value("refused_contact")),
    models.When(Q(state=State.NOT_FOUND) | (_CLOSED & Q(state_reason="not_found")), then=Value("not_found")),
    models.When(Q(state=State.DECEASED) | (_CLOSED & Q(state_reason="deceased")), then=Value("deceased")),
    models.When(Q(state__in=[State.WITHDRAWN, State.UNREACHABLE, State.DECLINED]) | _CLOSED,
                then=Value("ended_otherwise")),
    models.When(located_at__isnull=False, then=Value("located")),
    default=Value(""),
    output_field=models.CharField(),
)
MATCH_STATES = [ProposalState.PROPOSED, ProposalState.CONFIRMED, ProposalState.REJECTED]


@dataclass(frozen=True)
class Scope:
    """What a dashboard counts: the network or one office, and the filters."""

    network: bool
    office: Office | None = None
    cause: str = ""
    start: date | None = None  # first day of the first month
    end: date | None = None  # first day of the month after the last

    def as_dict(self) -> dict[str, Any]:
        return {"network": self.network, "office": self.office.code if self.office else None,
                "cause": self.cause or None, "from": self.start.isoformat()[:7] if self.start else None,
                "to": _month_before(self.end).isoformat()[:7] if self.end else None}


@dataclass
class Row:
    key: str
    label: str
    count: Shown


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    rows: list[Row]
    total: Shown

    @property
    def suppressed(self) -> bool:
        return self.total.suppressed or any(r.count.suppressed for r in self.rows)


@dataclass
class Median:
    key: str
    label: str
    days: float | None  # None: no cases, or too few to show in a network view
    cases: Shown


@dataclass
class Dashboard:
    scope: Scope
    tables: list[Table]
    medians: list[Median]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _month_before(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def aware(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def months(start: date, end: date) -> list[date]:
    out, current = [], start
    while current < end:
        out.append(current)
        current = month_after(current)
    return out


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last DEFAULT_MONTHS months, this one included."""
    end = month_after((today or timezone.localdate()).replace(day=1))
    return months_before(end, DEFAULT_MONTHS), end


def months_before(first: date, n: int) -> date:
    for _i in range(n):
        first = _month_before(first)
    return first


# --- scopes ------------------------------------------------------------------------------


def office_scope(user: Any, **filters: Any) -> Scope:
    """The user's own office. Security entry point: `report.office` or NotPermitted (403)."""
    actor = actor_for(user)
    if actor is None or not can(user, "report.office", None):
        raise NotPermitted(_("Reports of an office are for its caseworkers, supervisors and auditors."))
    return Scope(network=False, office=Office.objects.get(pk=actor.office_id), **filters)


def network_scope(user: Any, *, office: Office | None = None, **filters: Any) -> Scope:
    """Every office (or one), aggregates only. Security entry point: `report.network` or 403."""
    if not can(user, "report.network", None):
        raise NotPermitted(_("Network-wide reports are for supervisors and auditors."))
    return Scope(network=True, office=office, **filters)


def _scoped(user: Any, scope: Scope, model: Any, office_field: str, cause_field: str) -> QuerySet:
    if scope.network:
        qs = model.objects.all()
        if scope.office is not None:
            qs = qs.filter(**{office_field: scope.office})
    else:
        # The policy's scope of the user inside their office (e.g. a caseworker who sees only
        # assigned cases counts only those): shared cases of other offices are not counted.
        qs = visible(user, model).filter(**{office_field: scope.office})
    return qs.filter(**{cause_field: scope.cause}) if scope.cause else qs


def in_period(qs: QuerySet, column: str, start: date | None, end: date | None) -> QuerySet:
    """Rows whose `column` falls in [start, end) (either bound may be open)."""
    if start:
        qs = qs.filter(**{f"{column}__gte": aware(start)})
    if end:
        qs = qs.filter(**{f"{column}__lt": aware(end)})
    return qs


def _cases(user: Any, scope: Scope) -> QuerySet[Case]:
    # Registers (received person lists) have no tracing workflow: they are not cases here.
    return _scoped(user, scope, Case, "office", "separation_cause").filter(kind=CaseKind.TRACING)


def _cohort(qs: QuerySet[Case], scope: Scope) -> QuerySet[Case]:
    """Cases opened in the chosen period (all cases when no period is chosen)."""
    return in_period(qs, "created_at", scope.start, scope.end)


# --- tables ------------------------------------------------------------------------------


def _table(scope: Scope, key: str, title: Any, header: Any, items: list[tuple[str, Any, int]]) -> Table:
    values = [n for _k, _l, n in items]
    if scope.network:
        counts, total = protect(values)
    else:
        counts, total = [exact(v) for v in values], exact(sum(values))
    rows = [Row(k, str(label), c) for (k, label, _n), c in zip(items, counts, strict=True)]
    return Table(key=key, title=str(title), label_header=str(header), rows=rows, total=total)


def _grouped(qs: QuerySet, column: str) -> dict[Any, int]:
    return {r[column]: r["n"] for r in qs.values(column).annotate(n=Count("pk")).order_by()}


def stages_table(cases: QuerySet[Case], scope: Scope) -> Table:
    counts = _grouped(_cohort(cases, scope).exclude(state=State.CLOSED), "state")
    labels = dict(State.choices)
    items = [(s, labels[s], counts.get(s, 0)) for s in State.open_states()]
    return _table(scope, "stages", _("Open cases by stage"), _("Stage"), items)


def outcomes_table(cases: QuerySet[Case], scope: Scope) -> Table:
    counts = _grouped(_cohort(cases, scope).annotate(outcome=_OUTCOME).exclude(outcome=""), "outcome")
    items = [(k, label, counts.get(k, 0)) for k, label in OUTCOMES]
    return _table(scope, "outcomes", _("Outcomes"), _("Outcome"), items)


def _monthly(cases: QuerySet[Case], column: str, start: date, end: date) -> dict[str, int]:
    rows = (in_period(cases, column, start, end).annotate(month=TruncMonth(column))
            .values("month").annotate(n=Count("pk")).order_by())
    return {r["month"].strftime("%Y-%m"): r["n"] for r in rows}


def month_tables(cases: QuerySet[Case], scope: Scope) -> list[Table]:
    # A missing bound: up to this month, or the 12 months up to the chosen last one.
    start, end = default_period()
    if scope.end:
        start, end = months_before(scope.end, DEFAULT_MONTHS), scope.end
    start = scope.start or start
    series = months(start, end)
    new = _monthly(cases, "created_at", start, end)
    closed = _monthly(cases, "closed_at", start, end)
    out = []
    for key, title, counts in (("new_per_month", _("New cases per month"), new),
                               ("closed_per_month", _("Closed cases per month"), closed)):
        items = [(m.strftime("%Y-%m"), m.strftime("%Y-%m"), counts.get(m.strftime("%Y-%m"), 0)) for m in series]
        out.append(_table(scope, key, title, _("Month"), items))
    return out


def overdue_table(user: Any, scope: Scope) -> Table:
    """Open requests (sent or accepted) past their due date, by the partner office asked."""
    qs = in_period(_scoped(user, scope, TracingRequest, "from_office", "case__separation_cause"),
                   "sent_at", scope.start, scope.end)
    qs = qs.filter(status__in=[RequestStatus.SENT, RequestStatus.ACCEPTED], due_date__lt=timezone.localdate())
    counts = _grouped(qs, "to_office__code")
    names = dict(Office.objects.filter(code__in=list(counts)).values_list("code", "name"))
    items = [(code, f"{names.get(code, code)} ({code})", n) for code, n in sorted(counts.items())]
    return _table(scope, "overdue_requests", _("Overdue tracing requests by partner office"),
                  _("Partner office"), items)


def matches_table(cases: QuerySet[Case], scope: Scope) -> Table:
    """Match proposals touching a counted case, by state (made in the period, if one is chosen)."""
    ids = cases.values("pk")
    qs = MatchProposal.objects.filter(Q(person_a__case__in=ids) | Q(person_b__case__in=ids), state__in=MATCH_STATES)
    counts = _grouped(in_period(qs, "created_at", scope.start, scope.end), "state")
    labels = dict(ProposalState.choices)
    items = [(s, labels[s], counts.get(s, 0)) for s in MATCH_STATES]
    return _table(scope, "matches", _("Match proposals"), _("State"), items)


# --- medians -----------------------------------------------------------------------------


class _PercentileCont(models.Aggregate):
    """PostgreSQL's median: percentile_cont(0.5) WITHIN GROUP (ORDER BY interval)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


#: (key, label, end column): each median runs from `accepted_at` to the end column.
SPANS = (("accepted_to_located", _("From acceptance to located"), "located_at"),
         ("accepted_to_closed", _("From acceptance to closure"), "closed_at"))


def _days(seconds: float | None) -> float | None:
    return round(seconds / 86400, 1) if seconds is not None else None


def _median_days(qs: QuerySet[Case]) -> dict[str, tuple[float | None, int]]:
    """{key: (median days, number of cases)} for every span, among cases with both dates."""
    having = {key: Q(accepted_at__isnull=False, **{f"{end}__isnull": False, f"{end}__gte": F("accepted_at")})
              for key, _label, end in SPANS}
    if connection.vendor == "postgresql":
        aggregates: dict[str, Any] = {}
        for key, _label, end in SPANS:
            span = ExpressionWrapper(F(end) - F("accepted_at"), output_field=DurationField())
            aggregates[f"m_{key}"] = _PercentileCont(span, filter=having[key])  # one scan for both
            aggregates[f"n_{key}"] = Count("pk", filter=having[key])
        row = qs.aggregate(**aggregates)
        return {key: (_days(row[f"m_{key}"].total_seconds() if row[f"m_{key}"] is not None else None),
                      row[f"n_{key}"]) for key, _label, _end in SPANS}
    # SQLite (tests, development): only the two timestamps of each case reach Python.
    out = {}
    for key, _label, end in SPANS:
        spans = [(b - a).total_seconds() for a, b in qs.filter(having[key]).values_list("accepted_at", end)]
        out[key] = (_days(statistics.median(spans)) if spans else None, len(spans))
    return out


def medians(cases: QuerySet[Case], scope: Scope) -> list[Median]:
    found = _median_days(_cohort(cases, scope))
    out = []
    for key, label, _end in SPANS:
        days, n = found[key]
        if scope.network:
            (count,), _total = protect([n])
            if count.suppressed:
                days = None  # a median of fewer than 5 cases says too much about each
        else:
            count = exact(n)
        out.append(Median(key=key, label=str(label), days=days, cases=count))
    return out


def dashboard(user: Any, scope: Scope) -> Dashboard:
    """Every table of a dashboard. `scope` comes from office_scope() or network_scope()."""
    cases = _cases(user, scope)
    tables = [stages_table(cases, scope), outcomes_table(cases, scope), *month_tables(cases, scope),
              overdue_table(user, scope), matches_table(cases, scope)]
    return Dashboard(scope=scope, tables=tables, medians=medians(cases, scope))
