"""Caseworker web pages (server-rendered). Views read through selectors and write through actions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.access import log_access
from audit.models import AuditEvent
from cases import actions
from cases.access import access_case, access_person
from cases.attachments import attachment_file_read
from cases.forms import (
    AssignForm,
    AttachmentForm,
    CaseEditForm,
    CaseFilterForm,
    ConsentForm,
    EligibilityForm,
    EnquirerForm,
    EraseForm,
    NameFormSet,
    NoteForm,
    PersonAddForm,
    PersonForm,
    PlaceFormSet,
    PurposeForm,
    SearchForm,
    SeparationForm,
    SoughtForm,
    TransitionForm,
)
from cases.models import Attachment, Case, Note, Person, PersonRole, Priority
from cases.selectors import (
    CappedPaginator,
    case_detail,
    case_list,
    log_list_read,
    needs_purpose,
    person_search,
    state_counts,
)
from cases.workflow import TRANSITIONS, State, available_from
from tracing.exceptions import Conflict, InvalidTransition, NotFound, NotPermitted, TracingError, ValidationFailed
from tracing.models import Role, StaffProfile
from tracing.permissions import Level, actor_for, can, visible

PAGE_SIZE = 50
LIST_ROW_FIELDS = ("id", "reference", "state", "priority", "created_at", "last_activity_at", "office_id",
                   "assigned_to__username")
TIMELINE_LIMIT = 50
DASHBOARD_ROWS = 20
#: Person fields in the order the detail page shows them, with their labels from the model.
PERSON_DETAIL_FIELDS = ("sex", "birth_date", "birth_place", "nationality", "father_name", "mother_name",
                        "phone", "email", "address", "description", "languages")

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Signed-in staff only; domain errors become the right page.

    Anonymous users go to the login page. A signed-in account without an office role can do
    nothing here, so it is signed out and sent to the login page with an explanation (sending
    it to the login page signed in would loop, as the login page redirects signed-in users).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if actor_for(request.user) is None:
            logout(request)
            messages.error(request, _("Your account has no role in an office yet. Ask your office administrator."))
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper


#: Errors the user can correct on the form; NotFound and NotPermitted become 404 and 403 pages.
CORRECTABLE = (ValidationFailed, Conflict, InvalidTransition)


def conflict_message() -> str:
    return _("This case was changed by someone else since you opened this page. "
             "Reload the case and apply your change again.")


def show_errors(exc: TracingError, *forms_: django_forms.BaseForm | django_forms.BaseFormSet | None) -> None:
    """Put an action's field errors next to the matching fields; the rest at the top of the first form.

    Conflicts, invalid transitions and messages without a field go to the form as a whole.
    """
    present = [f for f in forms_ if f is not None]
    message = conflict_message() if isinstance(exc, Conflict) else exc.message
    unplaced = []
    for name, errors in exc.field_errors.items():
        target = next((f for f in present if isinstance(f, django_forms.BaseForm) and name in f.fields), None)
        if target is None:
            target = next((f for f in present if isinstance(f, django_forms.BaseFormSet)
                           and name in (f.prefix or "")), None)
        if target is None:
            unplaced += errors
        elif isinstance(target, django_forms.BaseFormSet):
            target._non_form_errors = target.error_class(list(target.non_form_errors()) + list(errors))
        else:
            for error in errors:
                target.add_error(name, error)
    if present and isinstance(present[0], django_forms.BaseForm):
        if not exc.field_errors or unplaced or isinstance(exc, Conflict):
            present[0].add_error(None, message)
        present[0].error_summary = message  # type: ignore[attr-defined]


def _actor_role(request: HttpRequest) -> str:
    actor = actor_for(request.user)
    return actor.role if actor else ""


# --- dashboard -----------------------------------------------------------------------------


@staff_view
def dashboard(request: HttpRequest) -> HttpResponse:
    role = _actor_role(request)
    if role not in (Role.CASEWORKER, Role.SUPERVISOR):
        # Administrators and auditors work elsewhere and never see case content here.
        return render(request, "cases/dashboard_other.html", {"role": role})
    mine = list(case_list(user=request.user, assigned_to_me=True).exclude(state=State.CLOSED)[:DASHBOARD_ROWS])
    overdue = list(case_list(user=request.user, overdue=True)[:DASHBOARD_ROWS])
    urgent = list(case_list(user=request.user, priority=Priority.URGENT).exclude(state=State.CLOSED)[:DASHBOARD_ROWS])
    counts = state_counts(user=request.user)
    shown = {c.id: c for c in mine + overdue + urgent}
    log_list_read(user=request.user, cases=list(shown.values()))
    return render(request, "cases/dashboard.html", {
        "mine": mine, "overdue": overdue, "urgent": urgent,
        "counts": [(State(s).label, s, counts[s]) for s in State.values if counts.get(s)],
        "total": sum(counts.values()),
    })


# --- list and search -----------------------------------------------------------------------


@staff_view
def case_index(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"state": data["state"] or None, "priority": data["priority"], "assigned_to_me": data["mine"],
                   "overdue": data["overdue"], "reference": data["reference"] or None}
    number = request.GET.get("page")
    # Only the columns the rows show (cases.templatetags.ui.case_rows): a case row is wide
    # (encrypted fields, JSON), and the office and the assignee's whole user row are not needed.
    cases = (case_list(user=request.user, **filters).select_related(None).select_related("assigned_to")
             .only(*LIST_ROW_FIELDS))
    page = CappedPaginator(cases, PAGE_SIZE, page=number).get_page(number)
    log_list_read(user=request.user, cases=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "search_form": SearchForm(),
    })


@staff_view
def search(request: HttpRequest) -> HttpResponse:
    """Name or phone search. POST, so that names never end up in URLs and server logs."""
    form = SearchForm(request.POST or None)
    cases: list[Case] = []
    searched = False
    if request.method == "POST" and form.is_valid():
        searched = True
        hits = person_search(user=request.user, query=form.cleaned_data["q"])
        order = {h.case.id: i for i, h in reversed(list(enumerate(hits)))}
        cases = sorted(case_list(user=request.user, case_ids=list(order)), key=lambda c: order[c.id])
        log_list_read(user=request.user, cases=cases)
    return render(request, "cases/search.html", {"form": form, "cases": cases, "searched": searched})


# --- new case ------------------------------------------------------------------------------


@staff_view
def case_new(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "case.open", None):
        raise PermissionDenied(_("Only caseworkers and supervisors open cases."))
    data = request.POST if request.method == "POST" else None
    eligibility = EligibilityForm(data, prefix="elig")
    enquirer = EnquirerForm(data, prefix="enq")
    enquirer_names = NameFormSet(data, prefix="enq-names")
    sought = SoughtForm(data, prefix="sought")
    sought_names = NameFormSet(data, prefix="sought-names")
    separation = SeparationForm(data, prefix="sep")
    parts = [eligibility, enquirer, enquirer_names, sought, sought_names, separation]
    concerns: list[str] = []
    if data is not None and all(p.is_valid() for p in parts):
        concerns = eligibility.concerns()
        if concerns and not eligibility.cleaned_data["record_anyway"]:
            eligibility.add_error("record_anyway", _("Tick this box to record a request outside the mandate."))
        else:
            sep = separation.cleaned_data
            try:
                case = actions.case_open(
                    acting_user=request.user,
                    enquirer={**enquirer.person_data(), "names": enquirer_names.names()},
                    sought=[{**sought.person_data(), "names": sought_names.names()}],
                    separation_cause=sep["separation_cause"], separation_date=sep["separation_date"],
                    separation_place=sep["separation_place"],
                    separation_circumstances=sep["separation_circumstances"],
                    languages=sep["languages"], eligibility=eligibility.answers(),
                )
            except CORRECTABLE as exc:
                show_errors(exc, separation, sought, enquirer, eligibility, sought_names)
            else:
                messages.success(request, _("Case %(ref)s was opened.") % {"ref": case.reference})
                if concerns:
                    messages.warning(request, _("The request may be outside the mandate: a supervisor will decide."))
                return redirect("cases:detail", case_id=case.id)
    elif data is not None:
        concerns = eligibility.concerns() if eligibility.is_valid() else []
    has_errors = data is not None and (any(p.errors for p in parts if isinstance(p, django_forms.BaseForm))
                                       or any(p.non_form_errors() for p in (enquirer_names, sought_names)))
    return render(request, "cases/case_new.html", {
        "eligibility": eligibility, "enquirer": enquirer, "enquirer_names": enquirer_names, "sought": sought,
        "sought_names": sought_names, "separation": separation, "concerns": concerns, "has_errors": has_errors,
    })


# --- detail --------------------------------------------------------------------------------


def _session_purpose(request: HttpRequest, case: Case) -> str:
    return request.session.get("case_purposes", {}).get(str(case.id), "")


def _remember_purpose(request: HttpRequest, case: Case, purpose: str) -> None:
    purposes = request.session.get("case_purposes", {})
    purposes[str(case.id)] = purpose
    request.session["case_purposes"] = purposes


def _person_view(person: Person, allowed: frozenset[str]) -> dict[str, Any]:
    """What the page shows of one person: only allowed fields are read (and so decrypted)."""
    view: dict[str, Any] = {"person": person, "role": person.get_role_display(), "erased": bool(person.erased_at)}
    if person.erased_at:
        return view  # the key is destroyed: touch no encrypted field
    view["display_name"] = person.display_name if "display_name" in allowed else ""
    view["names"] = list(person.names.all()) if "names" in allowed else []
    view["places"] = list(person.places.all()) if "places" in allowed else []
    rows = []
    for name in PERSON_DETAIL_FIELDS:
        if name not in allowed:
            continue
        value = getattr(person, name)
        if name == "sex" and value:
            value = person.get_sex_display()
        if name == "languages" and value:
            value = ", ".join(value)
        if value:
            rows.append((Person._meta.get_field(name).verbose_name, value))
    view["rows"] = rows
    view["relationship"] = person.get_relationship_display() if person.relationship else ""
    return view


def _transition_forms(request: HttpRequest, case: Case) -> list[TransitionForm]:
    return [
        TransitionForm(transition=t, prefix=t.name, initial={"expected_version": case.version})
        for t in available_from(case.state, case.kind)
        if can(request.user, "case.transition", case, transition=t)
    ]


@staff_view
def case_view(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id)
    purpose = _session_purpose(request, case)
    if needs_purpose(request.user, case) and not purpose:
        form = PurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            _remember_purpose(request, case, form.cleaned_data["purpose"])
            return redirect("cases:detail", case_id=case.id)
        # Nothing of the case is shown before the purpose is given, not even its reference.
        return render(request, "cases/purpose.html", {"form": form, "case_id": case.id})
    return _detail_page(request, case.id, purpose, case=case)


def _detail_page(request: HttpRequest, case_id: Any, purpose: str, status: int = 200,
                 transition_forms: list[TransitionForm] | None = None, case: Case | None = None) -> HttpResponse:
    kind = "auditor_view" if _actor_role(request) == Role.AUDITOR else "view"
    detail = case_detail(user=request.user, case_id=case_id, purpose=purpose, kind=kind, case=case)
    case = detail.case
    user = request.user
    timeline = []
    if can(user, "case.view_history", case):
        timeline = list(
            AuditEvent.objects.filter(case_id=str(case.id)).exclude(event_type__startswith="access.")
            .order_by("-seq").only("seq", "event_type", "actor_username", "occurred_at", "data")[:TIMELINE_LIMIT]
        )
    notes = list(visible(user, Note).filter(case=case).select_related("author", "author_office", "data_key"))
    # An erased person's attachments are shredded (file gone, name unreadable): not listed.
    attachments = list(visible(user, Attachment).filter(case=case).filter(
        Q(person__isnull=True) | Q(person__erased_at__isnull=True)).select_related("uploaded_by", "data_key"))
    editable = can(user, "case.edit", case)
    return render(request, "cases/case_detail.html", {
        "case": case, "level": detail.level, "is_owner": detail.level == Level.OWNER,
        "persons": [_person_view(p, allowed) for p, allowed in detail.persons],
        "notes": notes, "attachments": attachments, "timeline": timeline,
        "transitions": transition_forms if transition_forms is not None else _transition_forms(request, case),
        "can_edit": editable, "can_assign": can(user, "case.assign", case),
        "can_note": can(user, "case.add_note", case), "can_consent": can(user, "consent.record", case),
        "can_send_request": can(user, "request.send", case),
        "can_erase": can(user, "person.erase", case),
        "show_separation": detail.level >= Level.SEARCH,
        "overdue": bool(case.due_at and case.due_at < timezone.now() and case.is_open),
    }, status=status)


@require_POST
@staff_view
def case_transition(request: HttpRequest, case_id: Any, name: str) -> HttpResponse:
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise Http404(_("No such step."))
    case = access_case(request.user, case_id, action="case.transition", transition=spec)
    form = TransitionForm(request.POST, transition=spec, prefix=name)
    if _submitted(request, lambda: actions.case_transition(
            acting_user=request.user, case_id=case.id, transition=name, reason=form.cleaned_data.get("reason", ""),
            detail=form.cleaned_data["detail"], expected_version=form.cleaned_data["expected_version"]),
            _("Done: the case is now “%(state)s”.") % {"state": State(spec.target).label}, form):
        return _back(case)
    forms_ = [form if f.transition.name == name else f for f in _transition_forms(request, case)]
    messages.error(request, getattr(form, "error_summary", "") or _("Please correct the highlighted fields."))
    return _detail_page(request, case.id, _session_purpose(request, case), status=_error_status(form),
                        transition_forms=forms_)


# --- edits ---------------------------------------------------------------------------------

# --- edits ---------------------------------------------------------------------------------


def _error_status(form: django_forms.BaseForm) -> int:
    return 409 if conflict_message() in [str(e) for e in form.non_field_errors()] else 400


def _submitted(request: HttpRequest, call: Callable[[], Any], success: str,
               *forms_: django_forms.BaseForm | django_forms.BaseFormSet) -> bool:
    """Run an action for valid forms. True when it succeeded; False with the errors on the forms."""
    if request.method != "POST" or not all(f.is_valid() for f in forms_):
        return False
    try:
        call()
    except CORRECTABLE as exc:
        show_errors(exc, *forms_)
        return False
    messages.success(request, success)
    return True


def _form_page(request: HttpRequest, case: Case, template: str, form: django_forms.BaseForm,
               shows: list[Any] | None = None, **context: Any) -> HttpResponse:
    """Render a form page; `shows` lists the persons whose data the page shows, so the read is logged."""
    if shows is not None:
        log_access(user=request.user, kind="view", case_ids=[case.id], person_ids=shows,
                   purpose=_session_purpose(request, case), office=case.office)
    status = _error_status(form) if request.method == "POST" else 200
    return render(request, template, {"case": case, "form": form, **context}, status=status)


def _purpose_gate(request: HttpRequest, case: Case) -> HttpResponse | None:
    """Form pages show case data too: someone who must give a purpose gives it on the case page first."""
    if request.method == "GET" and needs_purpose(request.user, case) and not _session_purpose(request, case):
        return redirect("cases:detail", case_id=case.id)
    return None


def _back(case: Case) -> HttpResponse:
    return redirect("cases:detail", case_id=case.id)


@staff_view
def case_edit(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.edit")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    initial = {name: getattr(case, name) for name in CaseEditForm.FIELDS}
    form = CaseEditForm(request.POST or None, initial={**initial, "expected_version": case.version})
    if _submitted(request, lambda: actions.case_update(
            acting_user=request.user, case_id=case.id, expected_version=form.cleaned_data["expected_version"],
            **form.changes()), _("The case was saved."), form):
        return _back(case)
    return _form_page(request, case, "cases/case_edit.html", form, shows=[])


def _person_initial(person: Person) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    fields = {name: getattr(person, name) for name in PersonForm.FIELDS}
    names = [{"given_names": n.given_names, "family_name": n.family_name, "kind": n.kind, "script": n.script,
              "family_name_first": n.family_name_first} for n in person.names.all()]
    places = [{"place": p.place, "country": p.country, "date": p.date} for p in person.places.all()]
    return fields, names, places


def _person_data(form: PersonForm, names: Any, places: Any) -> dict[str, Any]:
    return {**form.person_data(), "names": names.names(), "places": places.places()}


@staff_view
def person_edit(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = access_person(request.user, person_id, action="case.edit")
    if person.erased_at:
        raise Http404(_("This person's data was erased."))
    case = person.case
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    fields, names_initial, places_initial = _person_initial(person)
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data, initial={**fields, "expected_version": case.version})
    names = NameFormSet(data, prefix="names", initial=names_initial)
    places = PlaceFormSet(data, prefix="places", initial=places_initial)
    if _submitted(request, lambda: actions.person_update(
            acting_user=request.user, person_id=person.id, data=_person_data(form, names, places),
            expected_version=form.cleaned_data["expected_version"]), _("The person was saved."), form, names, places):
        return _back(case)
    return _form_page(request, case, "cases/person_form.html", form, shows=[person.id], names=names, places=places,
                      title=_("Edit person"))


@staff_view
def person_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.edit")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    data = request.POST if request.method == "POST" else None
    form = PersonAddForm(data, initial={"expected_version": case.version, "role": PersonRole.RELATIVE})
    names = NameFormSet(data, prefix="names")
    places = PlaceFormSet(data, prefix="places")
    if _submitted(request, lambda: actions.person_add(
            acting_user=request.user, case_id=case.id, role=form.cleaned_data["role"],
            data=_person_data(form, names, places), expected_version=form.cleaned_data["expected_version"]),
            _("The person was added."), form, names, places):
        return _back(case)
    return _form_page(request, case, "cases/person_form.html", form, names=names, places=places,
                      title=_("Add a person"))


@staff_view
def note_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.add_note")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    form = NoteForm(request.POST or None)
    if not can(request.user, "case.edit", case):
        del form.fields["visibility"]  # a partner's notes are always shareable (note_add)
    if _submitted(request, lambda: actions.note_add(
            acting_user=request.user, case_id=case.id, body=form.cleaned_data["body"],
            visibility=form.cleaned_data.get("visibility", "shareable")), _("The note was added."), form):
        return _back(case)
    return _form_page(request, case, "cases/simple_form.html", form, title=_("Add a note"), submit=_("Add note"))


def _person_choices(case: Case, *, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    persons = case.persons.filter(role__in=roles, erased_at__isnull=True).select_related("data_key")
    return [(str(p.id), f"{p.display_name} ({p.get_role_display()})") for p in persons]


@staff_view
def attachment_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.edit")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    persons = _person_choices(case, roles=tuple(PersonRole.values))
    form = AttachmentForm(request.POST or None, request.FILES or None, persons=persons)

    def upload() -> Any:
        file = form.cleaned_data["file"]
        return actions.attachment_add(
            acting_user=request.user, case_id=case.id, filename=file.name, content=file.read(),
            person_id=form.cleaned_data["person"] or None, description=form.cleaned_data["description"],
            shareable=form.cleaned_data["shareable"],
        )

    if _submitted(request, upload, _("The file was uploaded."), form):
        return _back(case)
    return _form_page(request, case, "cases/simple_form.html", form, shows=[pk for pk, _name in persons],
                      title=_("Upload a file"), submit=_("Upload"), multipart=True)


@staff_view
def attachment_download(request: HttpRequest, case_id: Any, attachment_id: Any) -> HttpResponse:
    try:
        attachment = (visible(request.user, Attachment).select_related("data_key", "case", "case__office")
                      .get(pk=attachment_id, case_id=case_id))
    except Attachment.DoesNotExist as exc:
        raise Http404(_("No such file.")) from exc
    content = attachment_file_read(attachment)
    log_access(user=request.user, kind="view", case_ids=[attachment.case_id],
               person_ids=[attachment.person_id] if attachment.person_id else [],
               purpose=_session_purpose(request, attachment.case), office=attachment.case.office,
               detail={"attachment_id": str(attachment.id)})
    response = HttpResponse(content, content_type=attachment.content_type)
    # Never rendered inline: a crafted file cannot run in our origin.
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@staff_view
def case_assign(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="case.assign")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    staff = [
        (s.user_id, f"{s.user.get_full_name() or s.user.username} ({s.get_role_display()})")
        for s in StaffProfile.objects.filter(
            office_id=case.office_id, role__in=[Role.CASEWORKER, Role.SUPERVISOR], user__is_active=True
        ).select_related("user").order_by("role", "user__username")
    ]
    form = AssignForm(request.POST or None, staff=staff,
                      initial={"expected_version": case.version, "assigned_to": case.assigned_to_id or ""})
    if _submitted(request, lambda: actions.case_assign(
            acting_user=request.user, case_id=case.id,
            assignee_id=int(form.cleaned_data["assigned_to"]) if form.cleaned_data["assigned_to"] else None,
            expected_version=form.cleaned_data["expected_version"]), _("The case was assigned."), form):
        return _back(case)
    return _form_page(request, case, "cases/simple_form.html", form, title=_("Assign the case"), submit=_("Assign"))


@staff_view
def consent_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = access_case(request.user, case_id, action="consent.record")
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    persons = _person_choices(case, roles=(PersonRole.SOUGHT,))
    form = ConsentForm(request.POST or None, persons=persons)
    if _submitted(request, lambda: actions.consent_record(
            acting_user=request.user, case_id=case.id, person_id=form.cleaned_data["person"],
            scope=form.cleaned_data["scope"], source=form.cleaned_data["source"],
            given_on=form.cleaned_data["given_on"]), _("The consent was recorded."), form):
        return _back(case)
    return _form_page(request, case, "cases/simple_form.html", form, shows=[pk for pk, _name in persons],
                      title=_("Record consent"),
                      submit=_("Record consent"))


@staff_view
def person_erase(request: HttpRequest, person_id: Any) -> HttpResponse:
    person = access_person(request.user, person_id, action="person.erase")
    case = person.case
    if (gate := _purpose_gate(request, case)) is not None:
        return gate
    if person.erased_at:
        messages.info(request, _("This person's data was already erased."))
        return _back(case)
    form = EraseForm(request.POST or None)
    if _submitted(request, lambda: actions.person_erase(
            acting_user=request.user, person_id=person.id, reason=form.cleaned_data["reason"]),
            _("The person's data was erased."), form):
        return _back(case)
    return _form_page(request, case, "cases/erase_confirm.html", form, person=person,
                      role=person.get_role_display())
