"""Pages of the reports app: the office dashboard, the network dashboard, exports.

Views parse the filters, ask the selectors (which ask the policy) and render; a forbidden
role gets 403 (reports show no particular case, so there is nothing to hide with a 404).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from cases.views import show_errors, staff_view
from reports import charts, exports, selectors
from reports.forms import ExportForm, NetworkFilterForm, PeriodForm
from reports.spreadsheet import csv_text
from tracing.exceptions import NotPermitted, ValidationFailed
from tracing.permissions import can


def table_csv(dashboard: selectors.Dashboard, key: str) -> HttpResponse | None:
    """One table (or the medians) of a dashboard as CSV, with the displayed (suppressed) values."""
    if key == "medians":
        header = [_("Measure"), _("Median days"), _("Cases")]
        rows = [[m.label, "" if m.days is None else m.days, m.cases.display] for m in dashboard.medians]
    else:
        table = next((t for t in dashboard.tables if t.key == key), None)
        if table is None:
            return None
        header = [table.label_header, _("Count")]
        rows = [[r.label, r.count.display] for r in table.rows] + [[_("Total"), table.total.display]]
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{key}.csv")
    return response


def _render(request: HttpRequest, form: PeriodForm, make_scope: Any, network: bool) -> HttpResponse:
    dashboard = None
    if not form.is_bound or form.is_valid():
        scope = make_scope(**(form.scope_filters() if form.is_bound else {}))
        dashboard = selectors.dashboard(request.user, scope)
    else:
        make_scope()  # the role check comes first: a forbidden user gets 403, not form errors
    download = request.GET.get("download")
    if download:
        response = table_csv(dashboard, download) if dashboard else None
        return response or HttpResponseBadRequest(_("No such table, or invalid filters."))
    query = request.GET.copy()
    query.pop("download", None)
    charted = [(t, charts.bar_chart(t, f"chart-{t.key}")) for t in dashboard.tables] if dashboard else []
    return render(request, "reports/dashboard.html", {
        "form": form, "dashboard": dashboard, "charted": charted, "network": network, "query": query.urlencode(),
        "may_network": can(request.user, "report.network", None),
        "may_export": can(request.user, "case.export", None),
    })


def _filter_data(request: HttpRequest) -> Any:
    data = request.GET.copy()
    data.pop("download", None)
    return data or None


@staff_view
def office_dashboard(request: HttpRequest) -> HttpResponse:
    """The user's office: exact counts of what the policy lets the user see there."""
    form = PeriodForm(_filter_data(request))
    return _render(request, form, lambda **f: selectors.office_scope(request.user, **f), network=False)


@staff_view
def network_dashboard(request: HttpRequest) -> HttpResponse:
    """Every office (or one): aggregates only, small counts suppressed. Supervisors and auditors."""
    form = NetworkFilterForm(_filter_data(request))
    return _render(request, form, lambda **f: selectors.network_scope(request.user, **f), network=True)


def _export_form(request: HttpRequest, data: Any = None) -> ExportForm:
    form = ExportForm(data)
    if not can(request.user, "person.export", None):
        form.fields["kind"].choices = [c for c in form.fields["kind"].choices if c[0] != "persons"]
    return form


@staff_view
def export_page(request: HttpRequest) -> HttpResponse:
    """The export form (GET) and the file (POST): visible cases only, redacted, audited."""
    if not can(request.user, "case.export", None):
        raise NotPermitted(_("You may not export case lists."))
    form = _export_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        req = exports.ExportRequest(kind=data["kind"], fmt=data["format"], **form.export_filters())
        try:
            result = exports.export(user=request.user, req=req)
        except ValidationFailed as exc:
            show_errors(exc, form)
        else:
            if req.fmt == "csv":
                response: HttpResponse = StreamingHttpResponse(result.csv_stream(), content_type=result.content_type)
                response["Content-Disposition"] = content_disposition_header(True, result.filename)
                return response
            return FileResponse(result.xlsx_file(), as_attachment=True, filename=result.filename,
                                content_type=result.content_type)
    return render(request, "reports/exports.html", {"form": form, "max_rows": exports.max_rows()})
