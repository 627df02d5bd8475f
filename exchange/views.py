"""Pages of the exchange app: upload a list, map its columns, check it, import it, export PFIF."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Case
from cases.views import CORRECTABLE, show_errors, staff_view
from exchange.actions import (
    access_batch,
    batch_check,
    batch_check_queue,
    batch_confirm,
    batch_upload,
    pfif_export,
)
from exchange.forms import ExportForm, MappingForm, UploadForm
from exchange.models import ImportFormat, ImportStatus
from exchange.readers import check_size
from exchange.selectors import batch_list, problems_csv
from tracing.permissions import can, visible


def inline_check_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_INLINE_CHECK_BYTES", 1024 * 1024))


@staff_view
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/index.html", {
        "batches": batch_list(user=request.user)[:100], "form": UploadForm(),
        "may_import": can(request.user, "case.open", None),
    })


@staff_view
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            check_size(uploaded.size)  # before reading a huge file into memory
            batch, created = batch_upload(
                acting_user=request.user, filename=uploaded.name, content=uploaded.read(),
                label=form.cleaned_data["label"], encoding=form.cleaned_data["encoding"],
            )
        except CORRECTABLE as exc:
            show_errors(exc, form)
        else:
            if not created:
                messages.info(request, _("This file was uploaded before: here is that import."))
            return redirect("exchange:detail", batch_id=batch.id)
    return render(request, "exchange/index.html", {
        "batches": batch_list(user=request.user)[:100], "form": form, "may_import": True,
    }, status=400)


@staff_view
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, batch_id: Any) -> HttpResponse:
    """The batch page: column mapping and dry run, the report, the import button, progress."""
    batch = access_batch(request.user, batch_id)
    form = None
    if batch.format != ImportFormat.PFIF and batch.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        form = MappingForm(request.POST or None, columns=batch.columns, mapping=batch.mapping)
    if request.method == "POST":
        try:
            if form is not None and not form.is_valid():
                raise ValueError
            # A large list is checked in Celery (a request must not run for minutes).
            check = batch_check if batch.size <= inline_check_bytes() else batch_check_queue
            batch = check(acting_user=request.user, batch_id=batch.id,
                          mapping=form.mapping() if form is not None else None)
        except CORRECTABLE as exc:
            if form is not None:
                show_errors(exc, form)
            else:
                messages.error(request, exc.message)
        except ValueError:
            pass
        else:
            return redirect("exchange:detail", batch_id=batch.id)
    return render(request, "exchange/detail.html", {
        "batch": batch, "form": form,
        "running": batch.status in (ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING),
    }, status=400 if request.method == "POST" else 200)


@staff_view
@require_POST
def confirm(request: HttpRequest, batch_id: Any) -> HttpResponse:
    try:
        batch_confirm(acting_user=request.user, batch_id=batch_id)
    except CORRECTABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The import has started."))
    return redirect("exchange:detail", batch_id=batch_id)


@staff_view
@require_GET
def status(request: HttpRequest, batch_id: Any) -> JsonResponse:
    """Progress of an import, polled by exchange/static/exchange/progress.js."""
    batch = access_batch(request.user, batch_id)
    return JsonResponse({"status": batch.status, "done_rows": batch.done_rows, "total_rows": batch.total_rows,
                         "percent": batch.percent})


@staff_view
@require_GET
def problems(request: HttpRequest, batch_id: Any) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    response = HttpResponse(problems_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.id}-problems.csv"'
    return response


@staff_view
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None, initial={"reference": request.GET.get("reference", "")})
    if request.method == "POST" and form.is_valid():
        case = visible(request.user, Case).filter(reference=form.cleaned_data["reference"].strip()).first()
        if case is None:
            form.add_error("reference", _("No case with this reference that you may see."))
        else:
            try:
                document, count = pfif_export(acting_user=request.user, case_id=case.id)
            except CORRECTABLE as exc:
                show_errors(exc, form)
            else:
                response = HttpResponse(document, content_type="application/xml; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{case.reference}-pfif.xml"'
                response["X-Exported-Persons"] = str(count)
                return response
    status_code = 400 if request.method == "POST" else 200
    return render(request, "exchange/export.html", {"form": form}, status=status_code)
