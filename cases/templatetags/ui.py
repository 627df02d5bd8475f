"""Template helpers for accessible, consistent pages."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cases.workflow import TRANSITIONS, State
from tracing.models import Office, Role

register = template.Library()


@register.inclusion_tag("includes/field.html")
def field(bound: forms.BoundField, **attrs: Any) -> dict[str, Any]:
    """A field with its label, hint and errors, linked by aria-describedby (WCAG 1.3.1, 3.3.1)."""
    widget = bound.field.widget
    described = []
    hint_id = f"{bound.auto_id}-hint" if bound.help_text else ""
    error_id = f"{bound.auto_id}-error" if bound.errors else ""
    described += [i for i in (error_id, hint_id) if i]
    widget_attrs = dict(attrs)
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    if bound.errors:
        widget_attrs["aria-invalid"] = "true"
    if bound.field.required and not isinstance(widget, forms.RadioSelect | forms.CheckboxInput | forms.HiddenInput):
        widget_attrs["aria-required"] = "true"
    kind = "text"
    if isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
    elif isinstance(widget, forms.RadioSelect):
        kind = "radio"
    elif isinstance(widget, forms.HiddenInput):
        kind = "hidden"
    return {
        "f": bound, "kind": kind, "hint_id": hint_id, "error_id": error_id,
        "widget": SafeString(bound.as_widget(attrs=widget_attrs)),
    }


@register.simple_tag(takes_context=True)
def office_name(context: Any) -> str:
    """The signed-in user's office, looked up once per request."""
    actor = context.get("actor")
    if actor is None:
        return ""
    request = context.get("request")
    cached = getattr(request, "_office_name", None)
    if cached is None:
        cached = Office.objects.filter(pk=actor.office_id).values_list("name", flat=True).first() or ""
        if request is not None:
            request._office_name = cached
    return cached


@register.filter
def role_label(role: str | None) -> str:
    return str(Role(role).label) if role in Role.values else ""


@register.filter
def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


@register.filter
def works_cases(role: str | None) -> bool:
    return role in (Role.CASEWORKER, Role.SUPERVISOR)


_EVENT_LABELS = {
    "case.opened": _("Case opened"),
    "case.updated": _("Case details changed"),
    "case.assigned": _("Case assigned"),
    "person.added": _("Person added"),
    "person.updated": _("Person's details changed"),
    "person.erased": _("Person's data erased"),
    "note.added": _("Note added"),
    "attachment.added": _("File uploaded"),
    "consent.recorded": _("Consent recorded"),
    "consent.withdrawn": _("Consent withdrawn"),
    "contact.disclosed": _("Information given to the enquirer"),
}


@register.filter
def event_label(event: Any) -> str:
    """An audit event in plain words (the timeline never shows personal data: the log has none)."""
    if event.event_type == "case.transition":
        return _("Moved to “%(state)s”") % {"state": state_label(event.data.get("to", ""))}
    label = _EVENT_LABELS.get(event.event_type)
    return str(label) if label else event.event_type


@register.filter
def reason_label(code: str) -> str:
    for transition in TRANSITIONS.values():
        if transition.reasons is not None and code in transition.reasons.values:
            return str(transition.reasons(code).label)
    return code
