"""The caseworker's side of the public pages, on one panel per case: access codes (issue,
reissue, revoke, print), the enquirer's submissions and the relayed messages to review.

Only the case's own office works here (`case.edit`); partner offices never see it.
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.access import AccessKind, log_access
from cases.access import access_case
from cases.models import PersonRole
from cases.views import staff_view
from tracing.exceptions import Conflict, InvalidTransition, ValidationFailed
from tracing.public import actions
from tracing.public.actions import FOUND_STATES
from tracing.public.forms import ContactForm, InfoForm, IssueForm
from tracing.public.models import (
    AccessAudience,
    AccessChannel,
    EnquirerSubmission,
    PublicAccess,
    RelayMessage,
    RelayStatus,
    SubmissionStatus,
)
from tracing.public.stages import active_consents, stage_for

#: Refusals the caseworker can act on; the rest become 404/403 pages through staff_view.
CORRECTABLE = (ValidationFailed, Conflict, InvalidTransition)


@staff_view
@never_cache
def panel(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.edit")
    submissions = list(EnquirerSubmission.objects.filter(case=case).select_related("data_key")[:50])
    labels = {**{k: f.label for k, f in ContactForm.base_fields.items()},
              **{k: f.label for k, f in InfoForm.base_fields.items()}}
    for submission in submissions:
        submission.rows = [(labels.get(k, k), v) for k, v in (submission.payload or {}).items() if v]
    relayed = list(RelayMessage.objects.filter(case=case).select_related("data_key", "found_person")[:100])
    sought = list(case.persons.filter(role=PersonRole.SOUGHT, erased_at__isnull=True).select_related("data_key"))
    accesses = list(PublicAccess.objects.filter(case=case, revoked_at__isnull=True))
    consents = active_consents(case)
    found_rows = [{"person": p, "access": next((a for a in accesses if a.person_id == p.pk
                                                and a.audience == AccessAudience.FOUND), None),
                   "consent": consents.get(p.pk),
                   # Several channel choices on one page: distinct ids, the same field name.
                   "form": IssueForm(auto_id=f"id_found_{p.pk.hex}_%s")} for p in sought]
    log_access(user=request.user, kind=AccessKind.VIEW, case_ids=[case.pk], office=case.office,
               detail={"page": "public_panel"})
    stage, reason = stage_for(case)
    return render(request, "public/staff/panel.html", {
        "case": case, "stage": stage, "reason": reason,
        "enquirer_access": next((a for a in accesses if a.audience == AccessAudience.ENQUIRER), None),
        "found_rows": found_rows, "issue_form": IssueForm(auto_id="id_enquirer_%s"),
        "can_ask_found": case.state in FOUND_STATES,
        "pending": [s for s in submissions if s.status == SubmissionStatus.PENDING],
        "reviewed": [s for s in submissions if s.status != SubmissionStatus.PENDING][:10],
        "relay_pending": [m for m in relayed if m.status == RelayStatus.PENDING_REVIEW],
        "relay_done": [m for m in relayed if m.status != RelayStatus.PENDING_REVIEW][-10:],
        "sought": sought, "now": timezone.now(),
    })


def _issued_page(request: HttpRequest, case: Any, issued: actions.IssuedAccess) -> HttpResponse:
    """The only time the code is shown: right after issuing, never again (no redirect, no cache)."""
    if issued.access.channel == AccessChannel.EMAIL:
        messages.success(request, _("A new access code was sent by email. The previous code no longer works."))
        return redirect("public_staff:panel", case.pk)
    template = "public/staff/letter.html" if issued.access.channel == AccessChannel.LETTER else "public/staff/sms.html"
    found = issued.access.audience == AccessAudience.FOUND
    url = request.build_absolute_uri(reverse("public_consent:login" if found else "public_status:login"))
    return render(request, template, {"case": case, "issued": issued, "found": found, "url": url})


@require_POST
@staff_view
@never_cache
def enquirer_issue(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the code reaches the person."))
        return redirect("public_staff:panel", case_id)
    try:
        issued = actions.enquirer_access_issue(acting_user=request.user, case_id=case_id,
                                               channel=form.cleaned_data["channel"])
    except CORRECTABLE as exc:
        messages.error(request, exc.message)
        return redirect("public_staff:panel", case_id)
    return _issued_page(request, issued.access.case, issued)


@require_POST
@staff_view
@never_cache
def found_issue(request: HttpRequest, case_id: Any, person_id: Any) -> HttpResponse:
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the code reaches the person."))
        return redirect("public_staff:panel", case_id)
    try:
        issued = actions.found_access_issue(acting_user=request.user, case_id=case_id, person_id=person_id,
                                            channel=form.cleaned_data["channel"])
    except CORRECTABLE as exc:
        messages.error(request, exc.message)
        return redirect("public_staff:panel", case_id)
    return _issued_page(request, issued.access.case, issued)


def _do(request: HttpRequest, case_id: Any, call: Any, done: str) -> HttpResponse:
    """Run an action; a correctable refusal is a message on the panel. NotFound and NotPermitted
    propagate, so staff_view answers 404/403 exactly as for the case pages."""
    try:
        call()
    except CORRECTABLE as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("public_staff:panel", case_id)


@require_POST
@staff_view
def enquirer_revoke(request: HttpRequest, case_id: Any) -> HttpResponse:
    return _do(request, case_id, lambda: actions.enquirer_access_revoke(acting_user=request.user, case_id=case_id),
               _("The enquirer's access code no longer works."))


@require_POST
@staff_view
def found_revoke(request: HttpRequest, case_id: Any, person_id: Any) -> HttpResponse:
    return _do(request, case_id, lambda: actions.found_access_revoke(acting_user=request.user, case_id=case_id,
                                                                     person_id=person_id),
               _("The found person's access code no longer works."))


@require_POST
@staff_view
def submission_review(request: HttpRequest, case_id: Any, submission_id: Any) -> HttpResponse:
    if request.POST.get("decision") == "accept":
        return _do(request, case_id, lambda: actions.enquirer_submission_accept(
            acting_user=request.user, submission_id=submission_id, person_id=request.POST.get("person_id") or None),
            _("The information was added to the case."))
    return _do(request, case_id, lambda: actions.enquirer_submission_dismiss(acting_user=request.user,
                                                                             submission_id=submission_id),
               _("The information was dismissed."))


@require_POST
@staff_view
def relay_review(request: HttpRequest, case_id: Any, message_id: Any) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    return _do(request, case_id, lambda: actions.relay_message_review(acting_user=request.user,
                                                                      message_id=message_id, approve=approve),
               _("The message will be passed on.") if approve else _("The message will not be passed on."))


@staff_view
@never_cache
def submission_photo(request: HttpRequest, case_id: Any, submission_id: Any) -> HttpResponse:
    """The photo of a submission, for review: same access as the panel, logged as a read."""
    case = access_case(request.user, case_id, action="case.edit")
    submission = EnquirerSubmission.objects.filter(case=case, pk=submission_id).exclude(photo_type="").select_related(
        "data_key").first()
    if submission is None or not submission.photo:
        raise Http404
    log_access(user=request.user, kind=AccessKind.VIEW, case_ids=[case.pk], office=case.office,
               detail={"page": "submission_photo"})
    response = HttpResponse(base64.b64decode(submission.photo), content_type=submission.photo_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
