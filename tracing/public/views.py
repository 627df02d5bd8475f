"""The public pages: the enquirer's status page (/status/) and the found person's consent page
(/consent/). No account: a reference and an access code open a session bound to that code.

Every page answers in the person's language: ?lang= switches and is remembered (session and
access code), otherwise the language chosen before, otherwise the browser's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases.models import PersonRole
from tracing.exceptions import InvalidTransition, NotPermitted, TracingError, ValidationFailed
from tracing.public import actions
from tracing.public.access import Outcome, public_access_verify, session_access, session_close, session_open
from tracing.public.forms import SCOPE_WORDS, ConsentAnswerForm, ContactForm, InfoForm, MessageForm, SignInForm
from tracing.public.models import (
    AccessAudience,
    EnquirerSubmission,
    PublicAccess,
    RelayDirection,
    RelayMessage,
    RelayStatus,
    SubmissionStatus,
)
from tracing.public.notify import SUPPORTED, supported_language
from tracing.public.stages import active_consents, enquirer_notes, found_views, stage_for

View = Callable[..., HttpResponse]
LOGIN = {AccessAudience.ENQUIRER: "public_status:login", AccessAudience.FOUND: "public_consent:login"}


def _language(request: HttpRequest, access: PublicAccess | None) -> str:
    asked = request.GET.get("lang", "")
    if asked in SUPPORTED:
        request.session["public_lang"] = asked
        if access is not None and access.language != asked:
            actions.public_language_set(access=access, language=asked)
        return asked
    if request.session.get("public_lang") in SUPPORTED:
        return request.session["public_lang"]
    if access is not None:
        return supported_language(access.language)
    return supported_language(translation.get_language_from_request(request))


def public_view(audience: str, *, signed_in: bool = True) -> Callable[[View], View]:
    """Wrap a public page: the session's access (or the sign-in page), the language, no caching."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        @never_cache
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            access = session_access(request, audience)
            if signed_in and access is None:
                translation.activate(_language(request, None))
                messages.info(request, _("Please sign in."))
                return redirect(LOGIN[audience])
            language = _language(request, access)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorate


def _client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is the client's to forge. Behind a proxy the
    # proxy must set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _sign_in(request: HttpRequest, access: PublicAccess | None, audience: str, home: str) -> HttpResponse:
    if access is not None and request.method == "GET":
        return redirect(home)
    found = audience == AccessAudience.FOUND
    form = SignInForm(request.POST or None, found=found, initial={"reference": request.GET.get("ref", "")})
    if request.method == "POST" and form.is_valid():
        outcome, verified = public_access_verify(audience=audience, reference=form.cleaned_data["reference"],
                                                 code=form.cleaned_data["code"], address=_client_address(request))
        if outcome is Outcome.OK:
            chosen = request.session.get("public_lang")
            session_open(request, verified)
            if chosen in SUPPORTED:
                # Chosen on the sign-in page: it becomes the person's language, emails included.
                actions.public_language_set(access=verified, language=chosen)
            else:
                request.session["public_lang"] = supported_language(verified.language)
            return redirect(home)
        # The same words whether the reference exists or not.
        if outcome is Outcome.BLOCKED:
            form.add_error(None, _("Too many attempts. For your safety, signing in is paused for a while. "
                                   "Please try again in 30 minutes, or contact us."))
        else:
            form.add_error(None, _("We could not sign you in with this reference and code. Check both and try "
                                   "again. After several wrong attempts, signing in is paused for a while."))
    return render(request, "public/sign_in.html", {"form": form, "found": found, "audience": audience},
                  status=200 if not form.errors else 400)


@public_view(AccessAudience.ENQUIRER, signed_in=False)
def status_sign_in(request: HttpRequest, access: PublicAccess | None) -> HttpResponse:
    return _sign_in(request, access, AccessAudience.ENQUIRER, "public_status:home")


@public_view(AccessAudience.FOUND, signed_in=False)
def consent_sign_in(request: HttpRequest, access: PublicAccess | None) -> HttpResponse:
    return _sign_in(request, access, AccessAudience.FOUND, "public_consent:home")


@require_POST
@public_view(AccessAudience.ENQUIRER, signed_in=False)
def status_sign_out(request: HttpRequest, access: PublicAccess | None) -> HttpResponse:
    session_close(request)
    messages.info(request, _("You have signed out."))
    return redirect("public_status:login")


@require_POST
@public_view(AccessAudience.FOUND, signed_in=False)
def consent_sign_out(request: HttpRequest, access: PublicAccess | None) -> HttpResponse:
    session_close(request)
    messages.info(request, _("You have signed out."))
    return redirect("public_consent:login")


# --- the enquirer's status page ---------------------------------------------------------------


def _status_context(access: PublicAccess) -> dict[str, Any]:
    case = access.case
    found = found_views(case)
    stage, reason = stage_for(case, found)
    relayed = list(RelayMessage.objects.filter(case=case).select_related("data_key"))
    for view in found:
        # Messages only while the consent in force allows them; the enquirer's own always show their status.
        view.messages = [m for m in relayed if view.may_message and m.found_person_id == view.person_id and (  # type: ignore[attr-defined]
            m.direction == RelayDirection.TO_FOUND or m.status in (RelayStatus.APPROVED, RelayStatus.DELIVERED))]
    return {
        "page_url": reverse("public_status:home"),
        "case": case, "stage": stage, "reason": reason, "found": found,
        "notes": enquirer_notes(case),
        "last_activity": case.last_activity_at,
        "pending_submissions": EnquirerSubmission.objects.filter(case=case, status=SubmissionStatus.PENDING).count(),
        "open": case.is_open,
        "to_enquirer": RelayDirection.TO_ENQUIRER,
    }


@public_view(AccessAudience.ENQUIRER)
def status_home(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    actions.relay_messages_deliver(access=access)
    return render(request, "public/status.html", _status_forms(access))


def _post(request: HttpRequest, access: PublicAccess, form: Any, write: Callable[[dict[str, Any]], object],
          done: str, template: str, home: str, context: Callable[[], dict[str, Any]]) -> HttpResponse:
    """Validate, call the action, then back to the page; errors are shown next to the form."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except (ValidationFailed, InvalidTransition, NotPermitted) as exc:
            for name, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect(home)
    return render(request, template, {**context(), form.prefix + "_form": form}, status=400)


def _status_forms(access: PublicAccess) -> dict[str, Any]:
    return {**_status_context(access), "contact_form": ContactForm(prefix="contact"),
            "info_form": InfoForm(prefix="info"), "message_form": MessageForm(prefix="message")}


@require_POST
@public_view(AccessAudience.ENQUIRER)
def status_contact(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    form = ContactForm(request.POST, prefix="contact")
    return _post(request, access, form,
                 lambda data: actions.enquirer_submission_create(access=access, kind="contact", data=data),
                 _("Thank you. A caseworker will check your new contact details and update your file."),
                 "public/status.html", "public_status:home", lambda: _status_forms(access))


@require_POST
@public_view(AccessAudience.ENQUIRER)
def status_info(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    form = InfoForm(request.POST, request.FILES, prefix="info")

    def write(data: dict[str, Any]) -> object:
        upload = data.pop("photo", None)
        photo = upload.read() if upload else None
        return actions.enquirer_submission_create(access=access, kind="sought_info", data=data, photo=photo)

    return _post(request, access, form, write,
                 _("Thank you. A caseworker will look at your information and add it to the search."),
                 "public/status.html", "public_status:home", lambda: _status_forms(access))


@require_POST
@public_view(AccessAudience.ENQUIRER)
def status_message(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    form = MessageForm(request.POST, prefix="message")
    return _post(request, access, form,
                 lambda data: actions.relay_message_send(access=access, body=data["body"],
                                                         found_person_id=data.get("to") or None),
                 _("Thank you. A caseworker will read your message and pass it on."),
                 "public/status.html", "public_status:home", lambda: _status_forms(access))


# --- the found person's consent page ----------------------------------------------------------


def _consent_context(access: PublicAccess, form: ConsentAnswerForm | None = None) -> dict[str, Any]:
    case = access.case
    consent = active_consents(case).get(access.person_id)
    enquirer = case.persons.filter(role=PersonRole.ENQUIRER, erased_at__isnull=True).select_related(
        "data_key").first()
    return {
        "page_url": reverse("public_consent:home"),
        "case": case, "consent": consent, "scope_words": SCOPE_WORDS.get(consent.scope) if consent else "",
        "enquirer_name": enquirer.display_name if enquirer else "",
        "relationship": access.person.get_relationship_display() if access.person.relationship else "",
        "answer_form": form or ConsentAnswerForm(prefix="answer",
                                                 initial={"scope": consent.scope if consent else None}),
        "message_form": MessageForm(prefix="message"),
        "relayed": [m for m in RelayMessage.objects.filter(case=case, found_person=access.person).select_related(
            "data_key") if m.direction == RelayDirection.TO_ENQUIRER
            or m.status in (RelayStatus.APPROVED, RelayStatus.DELIVERED)],
        "to_found": RelayDirection.TO_FOUND, "open": case.is_open,
        "may_message": consent is not None and consent.scope in ("share_contact", "relay_messages"),
    }


@public_view(AccessAudience.FOUND)
def consent_home(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    if request.method == "POST":
        form = ConsentAnswerForm(request.POST, prefix="answer")
        return _post(request, access, form,
                     lambda data: actions.consent_record_online(access=access, scope=data["scope"],
                                                                message=data.get("message", "")),
                     _("Thank you. We have recorded your answer. You can change it at any time."),
                     "public/consent.html", "public_consent:home", lambda: _consent_context(access))
    actions.relay_messages_deliver(access=access)
    return render(request, "public/consent.html", _consent_context(access))


@require_POST
@public_view(AccessAudience.FOUND)
def consent_withdraw(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    try:
        actions.consent_withdraw_online(access=access)
    except TracingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your consent is withdrawn. We will tell your relative nothing more."))
    return redirect("public_consent:home")


@require_POST
@public_view(AccessAudience.FOUND)
def consent_message(request: HttpRequest, access: PublicAccess) -> HttpResponse:
    form = MessageForm(request.POST, prefix="message")
    return _post(request, access, form, lambda data: actions.relay_message_send(access=access, body=data["body"]),
                 _("Thank you. A caseworker will read your message and pass it on."),
                 "public/consent.html", "public_consent:home",
                 lambda: _consent_context(access))
