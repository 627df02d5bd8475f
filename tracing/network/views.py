"""Network pages: the partner office's inbox, the requesting office's sent list, the
"send tracing request" form of a case, and one request with its accept/decline/answer forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cases.access import access_case
from cases.models import PersonRole
from cases.views import show_errors, staff_view  # the UI's login/role gate, 404/403 mapping and form errors
from tracing.exceptions import NotFound, NotPermitted, TracingError
from tracing.models import Office
from tracing.network import actions
from tracing.network.models import ConsentStatus, DeclineReason, RequestOutcome, RequestStatus, ShareLevel
from tracing.network.selectors import request_detail, request_list
from tracing.permissions import can


class SendForm(forms.Form):
    to_office = forms.ModelChoiceField(queryset=Office.objects.none(), label=_lazy("Partner office"))
    sought_person = forms.ChoiceField(label=_lazy("Sought person"))
    question = forms.CharField(label=_lazy("What do you ask the partner office to do?"), widget=forms.Textarea)
    due_date = forms.DateField(label=_lazy("Answer due by"), widget=forms.DateInput(attrs={"type": "date"}))
    share_level = forms.ChoiceField(label=_lazy("What may the partner office see?"), choices=ShareLevel.choices,
                                    widget=forms.RadioSelect, initial=ShareLevel.SEARCH)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_office"].queryset = Office.objects.exclude(pk=case.office_id)
        sought = case.persons.filter(role=PersonRole.SOUGHT, erased_at__isnull=True).select_related("data_key")
        self.fields["sought_person"].choices = [(str(p.pk), p.display_name or str(p.pk)) for p in sought]
        self.fields["due_date"].initial = timezone.localdate() + timedelta(days=30)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_lazy("Reason"), choices=DeclineReason.choices)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_lazy("Outcome"), choices=RequestOutcome.choices, widget=forms.RadioSelect)
    consent_status = forms.ChoiceField(label=_lazy("If located: what the person consents to"), required=False,
                                       choices=[("", "—"), *ConsentStatus.choices])
    searched = forms.CharField(label=_lazy("If not found: where and how you searched"), required=False,
                               widget=forms.Textarea)
    answer = forms.CharField(label=_lazy("Your answer (shared with the requesting office)"), widget=forms.Textarea)


@staff_view
def inbox(request: HttpRequest) -> HttpResponse:
    """Received requests (with the forms to act on them) and the status of every sent one."""
    return render(request, "network/inbox.html", {
        "received": request_list(user=request.user, direction="received"),
        "sent": request_list(user=request.user, direction="sent"),
    })


@staff_view
def send(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="request.send")
    form = SendForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = actions.request_send(
                acting_user=request.user, case_id=case.pk, to_office_id=data["to_office"].pk,
                sought_person_id=data["sought_person"], question=data["question"], due_date=data["due_date"],
                share_level=data["share_level"],
            )
        except TracingError as exc:
            show_errors(exc, form)
        else:
            messages.success(request, _("Tracing request sent to %(office)s.") % {"office": req.to_office.name})
            return redirect("network:detail", request_id=req.pk)
    return render(request, "network/send.html", {"case": case, "form": form})


@staff_view
def detail(request: HttpRequest, request_id: Any) -> HttpResponse:
    view = request_detail(user=request.user, request_id=request_id)
    req, user = view.req, request.user
    return render(request, "network/detail.html", {
        "view": view, "req": req,
        "may_accept": req.status == RequestStatus.SENT and can(user, "request.accept", req),
        "may_answer": (req.status == RequestStatus.ACCEPTED or (
            req.status == RequestStatus.ANSWERED and req.outcome == RequestOutcome.NEEDS_INFORMATION))
        and can(user, "request.answer", req),
        "may_close": req.status in (RequestStatus.ANSWERED, RequestStatus.DECLINED) and can(user, "request.close", req),
        "may_revoke": req.is_active and can(user, "request.revoke", req),
        "decline_form": DeclineForm(), "answer_form": AnswerForm(),
    })


#: The POST steps on a request: the action to call with the form's fields, and what to say.
STEPS: dict[str, tuple[Callable[..., Any], tuple[str, ...], str]] = {
    "accept": (actions.request_accept, (), _lazy("Request accepted.")),
    "decline": (actions.request_decline, ("reason",), _lazy("Request declined.")),
    "answer": (actions.request_answer, ("outcome", "answer", "consent_status", "searched"), _lazy("Answer sent.")),
    "close": (actions.request_close, (), _lazy("Request closed.")),
    "revoke": (actions.share_revoke, (), _lazy("Request withdrawn; the case is no longer shared.")),
}


def step_view(name: str) -> Callable[..., HttpResponse]:
    """The POST-only view of one step; errors the user can act on come back as messages."""
    action, fields, done = STEPS[name]

    @require_POST
    @staff_view
    def view(request: HttpRequest, request_id: Any) -> HttpResponse:
        try:
            action(acting_user=request.user, request_id=request_id,
                   **{f: request.POST.get(f, "") for f in fields})
        except (NotFound, NotPermitted):
            raise
        except TracingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, str(done))
        return redirect("network:detail", request_id=request_id)

    view.__name__ = name
    return view
