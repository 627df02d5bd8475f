"""Review pages for match proposals. Reads through matching.selectors (policy first), writes
through matching.actions; every page that shows names logs the read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.access import access_case
from cases.views import PAGE_SIZE, _submitted, staff_view
from matching import actions
from matching.models import CONFIRM_REASONS, REJECT_REASONS, ProposalDecision, ProposalState
from matching.selectors import access_proposal, log_proposal_read, proposal_list, proposal_views
from tracing.permissions import can


class DecisionForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), widget=forms.RadioSelect)
    detail = forms.CharField(
        label=gettext_lazy("Details (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, reasons: tuple[Any, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r.value, r.label) for r in reasons]


class ProposalFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"), required=False, choices=[("", gettext_lazy("All"))] + list(ProposalState.choices)
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Strength"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(ProposalDecision.choices),
    )


def _forms(data: Any = None, which: str = "") -> tuple[DecisionForm, DecisionForm]:
    confirm = DecisionForm(data if which == "confirm" else None, reasons=CONFIRM_REASONS, prefix="confirm")
    reject = DecisionForm(data if which == "reject" else None, reasons=REJECT_REASONS, prefix="reject")
    return confirm, reject


@staff_view
def proposal_index(request: HttpRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or {"state": ProposalState.PROPOSED})
    params = form.cleaned_data if form.is_valid() else {"state": ProposalState.PROPOSED}
    qs = proposal_list(user=request.user, state=params.get("state") or None, decision=params.get("decision") or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    proposals = list(page.object_list)
    log_proposal_read(user=request.user, proposals=proposals)
    return render(
        request,
        "matching/proposal_list.html",
        {
            "form": form,
            "page": page,
            "views": proposal_views(user=request.user, proposals=proposals),
            "query": request.GET.urlencode() if request.GET else "",
        },
    )


def _detail(
    request: HttpRequest,
    proposal_id: Any,
    *,
    confirm: DecisionForm | None = None,
    reject: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    proposal = access_proposal(request.user, proposal_id)
    view = proposal_views(user=request.user, proposals=[proposal], with_values=True)[0]
    log_proposal_read(user=request.user, proposals=[proposal])
    default_confirm, default_reject = _forms()
    return render(
        request,
        "matching/proposal_detail.html",
        {
            "view": view,
            "proposal": proposal,
            "confirm_form": confirm or default_confirm,
            "reject_form": reject or default_reject,
        },
        status=status,
    )


@staff_view
def proposal_detail(request: HttpRequest, proposal_id: Any) -> HttpResponse:
    return _detail(request, proposal_id)


def _decide(request: HttpRequest, proposal_id: Any, which: str) -> HttpResponse:
    access_proposal(request.user, proposal_id)  # 404 before anything else
    confirm, reject = _forms(request.POST, which)
    form = confirm if which == "confirm" else reject
    action = actions.match_proposal_confirm if which == "confirm" else actions.match_proposal_reject
    done = (
        _("Confirmed: the two records are the same person.")
        if which == "confirm"
        else _("Rejected: the two records are different persons.")
    )
    if _submitted(
        request,
        lambda: action(
            acting_user=request.user,
            proposal_id=proposal_id,
            reason=form.cleaned_data["reason"],
            detail=form.cleaned_data["detail"],
        ),
        done,
        form,
    ):
        return redirect("matching:detail", proposal_id=proposal_id)
    status = 409 if any("already decided" in str(e) for e in form.non_field_errors()) else 400
    return _detail(request, proposal_id, confirm=confirm, reject=reject, status=status)


@require_POST
@staff_view
def proposal_confirm(request: HttpRequest, proposal_id: Any) -> HttpResponse:
    return _decide(request, proposal_id, "confirm")


@require_POST
@staff_view
def proposal_reject(request: HttpRequest, proposal_id: Any) -> HttpResponse:
    return _decide(request, proposal_id, "reject")


@staff_view
def case_proposals(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The proposals panel of one case: every state, those the viewer may see."""
    case = access_case(request.user, case_id)
    proposals = list(proposal_list(user=request.user, state=None, case_id=case.pk)[:PAGE_SIZE])
    log_proposal_read(user=request.user, proposals=proposals)
    return render(
        request,
        "matching/case_proposals.html",
        {
            "case": case,
            "views": proposal_views(user=request.user, proposals=proposals),
            "can_run": can(request.user, "case.edit", case),
        },
    )


@require_POST
@staff_view
def case_find_matches(request: HttpRequest, case_id: Any) -> HttpResponse:
    persons = actions.match_case_request(acting_user=request.user, case_id=case_id)
    messages.success(
        request, _("Looking for matches of %(n)d persons; new proposals appear here.") % {"n": len(persons)}
    )
    return redirect("matching:case", case_id=case_id)
