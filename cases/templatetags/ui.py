"""Template helpers for accessible, consistent pages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Priority
from cases.workflow import TRANSITIONS, State
from tracing.models import Role

register = template.Library()
_URL_PLACEHOLDER = uuid.UUID(int=0)


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
    """The signed-in user's office (read with the user's role, see tracing.permissions.actor_for)."""
    actor = context.get("actor")
    return actor.office_name if actor is not None else ""


@register.filter
def role_label(role: str | None) -> str:
    return str(Role(role).label) if role in Role.values else ""


@register.filter
def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


@register.filter
def works_cases(role: str | None) -> bool:
    return role in (Role.CASEWORKER, Role.SUPERVISOR)


# Lazy: this dict is built at import, before any request has activated a language.
_EVENT_LABELS = {
    "case.opened": gettext_lazy("Case opened"),
    "case.updated": gettext_lazy("Case details changed"),
    "case.assigned": gettext_lazy("Case assigned"),
    "person.added": gettext_lazy("Person added"),
    "person.updated": gettext_lazy("Person's details changed"),
    "person.erased": gettext_lazy("Person's data erased"),
    "note.added": gettext_lazy("Note added"),
    "attachment.added": gettext_lazy("File uploaded"),
    "consent.recorded": gettext_lazy("Consent recorded"),
    "consent.withdrawn": gettext_lazy("Consent withdrawn"),
    "contact.disclosed": gettext_lazy("Information given to the enquirer"),
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


_ROW = (
    '<tr>\n    <td class="ref" data-label="{l_ref}"><a href="{url}">{reference}</a></td>\n'
    '    <td data-label="{l_sought}">{sought}</td>\n'
    '    <td data-label="{l_state}">{state}</td>\n'
    '    <td data-label="{l_priority}">{priority}</td>\n'
    '    <td data-label="{l_assigned}">{assigned}</td>\n'
    '    <td data-label="{l_activity}"><time datetime="{iso}">{date}</time></td>\n  </tr>\n'
)


@register.simple_tag
def case_rows(cases: Iterable[Any]) -> SafeString:
    """The rows of a case table, rendered in Python.

    The list page shows 50 rows; as template code each row cost about a millisecond (per-row
    `{% translate %}`, `{% url %}`, and `get_FOO_display`, which hashes every lazily translated
    choice label on each call). Here labels are translated once per table and looked up in
    dicts. Every value from the database is escaped (`escape`), names keep `dir="auto"`.
    """
    states = {value: escape(label) for value, label in State.choices}
    priorities = {value: escape(label) for value, label in Priority.choices}
    labels = {
        "l_ref": escape(_("Reference")), "l_sought": escape(_("Sought person")), "l_state": escape(_("State")),
        "l_priority": escape(_("Priority")), "l_assigned": escape(_("Assigned to")),
        "l_activity": escape(_("Last activity")),
    }
    erased = '<span class="muted">{}</span>'.format(escape(_("Data erased")))
    url_of = reverse("cases:detail", args=[_URL_PLACEHOLDER]).replace(str(_URL_PLACEHOLDER), "{}")
    short_date = get_format("SHORT_DATE_FORMAT")
    dates: dict[Any, str] = {}  # many rows share a day: format each day once
    out = []
    for case in cases:
        sought = "<br>".join(
            erased if p.erased_at else f'<span dir="auto">{escape(p.display_name)}</span>'
            for p in getattr(case, "sought_persons", [])
        ) or '<span class="muted">—</span>'
        priority = priorities.get(case.priority, escape(case.priority))
        if case.priority == Priority.URGENT:
            priority = f'<strong class="urgent">{priority}</strong>'
        when = timezone.localtime(case.last_activity_at) if case.last_activity_at else None
        day = when.date() if when else None
        if day not in dates:
            dates[day] = dateformat.format(when, short_date) if when else ""
        out.append(_ROW.format(
            **labels, url=url_of.format(case.id), reference=escape(case.reference), sought=sought,
            state=states.get(case.state, escape(case.state)), priority=priority,
            assigned=escape(case.assigned_to.get_username()) if case.assigned_to_id else "—",
            iso=when.isoformat() if when else "", date=dates[day],
        ))
    return SafeString("".join(out))
