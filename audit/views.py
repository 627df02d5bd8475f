"""The auditor workspace: events, one case's story, a person's readers, exports, verification.

Auditors only (403 for every other role; sign-in for anonymous users). Every page an
auditor opens is logged as `access.auditor_view`; reads go through audit.selectors, which
start from the policy.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from audit import actions, exports
from audit.checkpoints import signed_note
from audit.forms import COMMON_TYPES, EventFilterForm, ExportForm
from audit.models import AuditCheckpoint, AuditExport, AuditVerification, JobStatus
from audit.selectors import (
    EventFilter,
    case_references,
    case_timeline,
    events_for,
    log_auditor_view,
    person_readers,
    require_auditor,
)
from cases.views import View, staff_view
from tracing.exceptions import NotPermitted

PAGE_SIZE = 50
CHECKPOINTS_PAGE = 50
#: Seconds between reloads of a page that waits for a background job (Refresh header: no JS).
REFRESH_SECONDS = 3


def auditor_view(view: View) -> View:
    """staff_view (sign-in, domain errors → 404/403) plus: auditors only, else 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_auditor(request.user)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        return view(request, *args, **kwargs)

    return staff_view(wrapper)


def _filter_form(request: HttpRequest, data: Any) -> tuple[EventFilterForm, EventFilter | None]:
    form = EventFilterForm(data or None, user=request.user)
    if not form.is_bound:
        return form, EventFilter()
    return form, (form.to_filter() if form.is_valid() else None)


def _view_ids(flt: EventFilter | None) -> dict[str, list[str]]:
    if flt is None:
        return {"case_ids": [], "person_ids": []}
    return {"case_ids": [flt.case_id] if flt.case_id else [], "person_ids": [flt.person_id] if flt.person_id else []}


@auditor_view
def event_list(request: HttpRequest) -> HttpResponse:
    """Events filtered by office, user, case, person, type and dates; 50 a page, fixed query count."""
    form, flt = _filter_form(request, request.GET)
    page = None
    references: dict[str, str] = {}
    if flt is not None:
        qs = events_for(request.user, flt).select_related("office", "actor_office").defer("hash", "prev_hash")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        references = case_references(request.user, {e.case_id for e in page.object_list if e.case_id})
    log_auditor_view(user=request.user, page="events", **_view_ids(flt), detail={
        "filters": flt.as_dict() if flt else {}, "rows": len(page.object_list) if page else 0,
        "page_number": page.number if page else 0})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {
        "form": form, "page": page, "references": references, "query": query.urlencode(),
        "filter_items": form.query_items(), "common_types": COMMON_TYPES, "export_form": ExportForm(),
        "inline_max": exports.inline_max(), "section": "events",
    })


@auditor_view
def case_story(request: HttpRequest, case_id: Any) -> HttpResponse:
    """One case's changes, reads, shares, requests and disclosures on one timeline (404 outside scope)."""
    timeline = case_timeline(request.user, case_id)
    log_auditor_view(user=request.user, page="case_timeline", case_ids=[timeline.case.pk],
                     detail={"entries": len(timeline.entries)})
    counts: dict[str, int] = {}
    for entry in timeline.entries:
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    return render(request, "audit/case_timeline.html", {
        "timeline": timeline, "case": timeline.case, "counts": sorted(counts.items()), "section": "events",
    })


@auditor_view
def person_access(request: HttpRequest) -> HttpResponse:
    """Who accessed a person's data (data subject access request): readers, then every event."""
    form, flt = _filter_form(request, request.GET)
    person_id = flt.person_id if flt is not None else None
    readers: list[dict[str, Any]] = []
    page = None
    if person_id:
        readers = person_readers(request.user, person_id)
        qs = events_for(request.user, EventFilter(person_id=person_id)).select_related("office", "actor_office")
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    log_auditor_view(user=request.user, page="person_access", person_ids=[person_id] if person_id else [],
                     detail={"readers": len(readers), "rows": len(page.object_list) if page else 0})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/person_access.html", {
        "form": form, "person_id": person_id, "readers": readers, "page": page, "query": query.urlencode(),
        "filter_items": [("person", person_id)] if person_id else [], "export_form": ExportForm(),
        "section": "person",
    })


@require_POST
@auditor_view
def export(request: HttpRequest) -> HttpResponse:
    """Export the filtered selection: inline up to AUDIT_EXPORT_INLINE_MAX events, else a background job."""
    form, flt = _filter_form(request, request.POST)
    fmt_form = ExportForm(request.POST)
    if flt is None or not fmt_form.is_valid():
        return HttpResponseBadRequest("Invalid selection or format.")
    fmt = fmt_form.cleaned_data["format"]
    total = events_for(request.user, flt).count()
    if total > exports.inline_max():
        job = exports.export_start(user=request.user, flt=flt, fmt=fmt, total=total)
        return redirect("audit:export_status", job_id=job.pk)
    content, _n = exports.export_inline(user=request.user, flt=flt, fmt=fmt)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json")
    response["Content-Disposition"] = content_disposition_header(True, f"audit-events.{fmt}")
    return response


def _own_job(request: HttpRequest, job_id: Any) -> AuditExport:
    # Someone else's job does not exist for this user: 404, as for an invisible case.
    job = AuditExport.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise Http404("No such export.")
    return job


@auditor_view
def export_status(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = _own_job(request, job_id)
    log_auditor_view(user=request.user, page="export_status", detail={"job": str(job.pk), "status": job.status})
    response = render(request, "audit/export_status.html", {"job": job, "section": "events"})
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@auditor_view
def export_download(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = _own_job(request, job_id)
    path = exports.export_path(job) if job.status == JobStatus.DONE and job.file else None
    if path is None or not path.is_file():
        raise Http404("This export is not ready.")
    log_auditor_view(user=request.user, page="export_download", detail={"job": str(job.pk), "events": job.processed})
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"audit-events-{job.pk}.{job.format}",  # noqa: SIM115
                        content_type="text/csv" if job.format == "csv" else "application/json")


@auditor_view
def verification(request: HttpRequest) -> HttpResponse:
    """Start a verification of the whole chain (POST); see the runs and the signed checkpoints."""
    if request.method == "POST":
        run = actions.verification_start(acting_user=request.user)
        return redirect(f"{request.path}?run={run.pk}")
    runs = list(AuditVerification.objects.filter(requested_by=request.user)[:10])
    checkpoints = Paginator(AuditCheckpoint.objects.order_by("-size"), CHECKPOINTS_PAGE).get_page(
        request.GET.get("page"))
    latest = checkpoints.object_list[0] if checkpoints.number == 1 and checkpoints.object_list else None
    log_auditor_view(user=request.user, page="verification", detail={"runs": len(runs)})
    response = render(request, "audit/verification.html", {
        "runs": runs, "checkpoints": checkpoints, "latest_note": signed_note(latest) if latest else "",
        "section": "verify",
    })
    if any(r.status in (JobStatus.PENDING, JobStatus.RUNNING) for r in runs):
        response["Refresh"] = str(REFRESH_SECONDS)
    return response
