"""Emails of the public side, rendered from templates in the recipient's language.

Every message goes through the outbox (recorded in the caller's transaction, sent after
commit, once per idempotency key). None carries personal data of the sought person: the
enquirer is told that there is news and reads it on the status page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation

from cases.models import Case, Person, PersonRole
from tracing.models import OutboxMessage, Role
from tracing.outbox import outbox_enqueue
from tracing.public.conf import conf

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def supported_language(*candidates: Any) -> str:
    """The first candidate we have translations for ("nl-BE" counts as "nl"), else the default."""
    for candidate in candidates:
        items = candidate if isinstance(candidate, (list, tuple)) else [candidate]
        for item in items:
            code = str(item or "").lower().split("-")[0].split("_")[0]
            if code in SUPPORTED:
                return code
    return settings.LANGUAGE_CODE


def person_language(person: Person | None, case: Case) -> str:
    """An active access code's chosen language first, then the person's, the case's, the office's."""
    from tracing.public.models import PublicAccess

    chosen = None
    if person is not None:
        chosen = (PublicAccess.objects.filter(person=person, revoked_at__isnull=True)
                  .order_by("-issued_at").values_list("language", flat=True).first())
    languages = person.languages if person is not None and isinstance(person.languages, list) else []
    return supported_language(chosen, languages, case.languages, case.office.languages)


def render_email(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `public/email/<template>.txt` in `language`: the first line is the subject."""
    base = conf("PUBLIC_BASE_URL").rstrip("/")
    links = {"status_url": f"{base}/status/", "consent_url": f"{base}/consent/"}
    if context.get("case_id"):
        links["case_url"] = f"{base}/relatives/cases/{context['case_id']}/"
    with translation.override(language):
        text = render_to_string(f"public/email/{template}.txt", {**links, **context}).strip()
    subject, _sep, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def enquirer_of(case: Case) -> Person | None:
    return (case.persons.filter(role=PersonRole.ENQUIRER, erased_at__isnull=True)
            .select_related("data_key").order_by("created_at").first())


def email_person(*, key: str, kind: str, case: Case, person: Person, template: str,
                 context: dict[str, Any]) -> OutboxMessage | None:
    """Email a person of the case in their language; nothing when there is no address."""
    if person.erased_at or not person.email:
        return None
    language = person_language(person, case)
    subject, body = render_email(template, language, {"reference": case.reference, **context})
    return outbox_enqueue(key=key, kind=kind, data_key=case.data_key, recipient=person.email, language=language,
                          subject=subject, body=body, case_id=case.id)


def office_workers(case: Case) -> list[Any]:
    """Who hears about a case: its caseworker, or the office's supervisors when unassigned."""
    if case.assigned_to_id and case.assigned_to.is_active:
        return [case.assigned_to]
    return list(get_user_model().objects.filter(staff__office_id=case.office_id, staff__role=Role.SUPERVISOR,
                                                 is_active=True).order_by("pk"))


def email_office(*, key: str, kind: str, case: Case, template: str, context: dict[str, Any]) -> int:
    """Email the case's caseworker (or supervisors) in their own language; returns the count."""
    count = 0
    for user in office_workers(case):
        language = supported_language(getattr(getattr(user, "staff", None), "language", None))
        subject, body = render_email(template, language, {"reference": case.reference, "case_id": case.id, **context})
        outbox_enqueue(key=f"{key}:u{user.pk}", kind=kind, data_key=case.data_key, to_user=user,
                       language=language, subject=subject, body=body, case_id=case.id)
        count += 1
    return count
