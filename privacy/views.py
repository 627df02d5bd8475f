"""Data protection pages (/privacy/): overview for supervisors, legal holds, data subject requests.

Views parse and call one action or selector; the policy decides (an invisible case or person is
a 404, a visible one whose action is not the user's a 403).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.access import log_access
from cases.access import access_case, access_person
from cases.forms import PersonForm
from cases.models import Case
from cases.views import show_errors, staff_view
from privacy import actions
from privacy.models import HoldReason, RetentionRule
from privacy.selectors import holds_for, runs_for_office
from tracing.exceptions import NotFound, NotPermitted, TracingError
from tracing.models import Role
from tracing.permissions import actor_for, visible


class HoldForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason for the legal hold"), choices=HoldReason.choices)


class FindCaseForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Case reference"), max_length=24)


class EraseOnRequestForm(forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("The person asked for erasure and I checked their identity"))


def _require_supervisor(request: HttpRequest) -> Any:
    actor = actor_for(request.user)
    if actor is None or actor.role != Role.SUPERVISOR:
        raise NotPermitted(_("Only supervisors handle data protection requests."))
    return actor


@staff_view
def index(request: HttpRequest) -> HttpResponse:
    """Supervisors: active legal holds, recent retention runs, the office's rules, find a case."""
    actor = _require_supervisor(request)
    form = FindCaseForm(request.GET or None)
    found, persons = None, []
    if form.is_valid():
        found = visible(request.user, Case).filter(reference=form.cleaned_data["reference"].strip(),
                                                   office_id=actor.office_id).first()
        if found is None:
            form.add_error("reference", _("No case of your office has this reference."))
        else:
            persons = list(found.persons.select_related("data_key"))
            log_access(user=request.user, kind="view", case_ids=[found.pk], person_ids=[p.pk for p in persons],
                       purpose="data_subject_request", office=found.office)
    return render(request, "privacy/index.html", {
        "form": form, "found": found, "persons": persons,
        "holds": holds_for(request.user).filter(case__office_id=actor.office_id),
        "runs": runs_for_office(actor.office_id),
        "rules": RetentionRule.objects.filter(office_id=actor.office_id),
    })


@staff_view
def hold_set(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.legal_hold")
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.legal_hold_set(acting_user=request.user, case_id=case.pk, reason=form.cleaned_data["reason"])
        except TracingError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("The case is on legal hold: retention will not erase it."))
            return redirect("privacy:index")
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/hold_form.html", {"case": case, "form": form}, status=status)


@staff_view
@require_POST
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    actions.legal_hold_release(acting_user=request.user, hold_id=hold_id)
    messages.success(request, _("The legal hold was released."))
    return redirect("privacy:index")


@staff_view
def dsar(request: HttpRequest, person_id: Any) -> HttpResponse:
    """One person's data subject request: export, rectify, erase on request."""
    person = access_person(request.user, person_id, action="person.dsar")
    return render(request, "privacy/dsar.html", {"person": person, "case": person.case,
                                                 "erase_form": EraseOnRequestForm()})


@staff_view
def dsar_rectify(request: HttpRequest, person_id: Any) -> HttpResponse:
    """Correct the person's details at their request (names and places: through the API)."""
    person = access_person(request.user, person_id, action="person.dsar")
    if person.erased_at:
        raise NotFound(_("This person's data was erased."))
    initial = {name: getattr(person, name) for name in PersonForm.FIELDS}
    form = PersonForm(request.POST or None, initial={**initial, "expected_version": person.case.version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.dsar_rectify(acting_user=request.user, person_id=person.pk, data=form.person_data(),
                                 expected_version=form.cleaned_data["expected_version"])
        except TracingError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("The correction was saved and recorded as a data subject request."))
            return redirect("privacy:dsar", person_id=person.pk)
    log_access(user=request.user, kind="view", case_ids=[person.case_id], person_ids=[person.pk],
               purpose="data_subject_request", office=person.case.office)
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/rectify.html", {"person": person, "case": person.case, "form": form},
                  status=status)


@staff_view
@require_POST
def dsar_export(request: HttpRequest, person_id: Any) -> HttpResponse:
    document = actions.dsar_export(acting_user=request.user, person_id=person_id)
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"dsar-{person_id}.json")
    return response


@staff_view
@require_POST
def dsar_erase(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = access_person(request.user, person_id, action="person.dsar")
    form = EraseOnRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/dsar.html", {"person": person, "case": person.case, "erase_form": form},
                      status=400)
    actions.dsar_erase(acting_user=request.user, person_id=person.pk)
    messages.success(request, _("The person's data was erased at their request."))
    return redirect("privacy:dsar", person_id=person.pk)
