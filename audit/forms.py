"""Forms of the auditor workspace: the event filter (also the export's selection)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from audit.selectors import EventFilter, auditable_offices
from tracing.permissions import visible

#: Suggested types for the filter's datalist; any dotted name (or a prefix ending in ".") works.
COMMON_TYPES = (
    "access.", "access.view", "access.search", "access.export", "access.auditor_view", "case.",
    "case.opened", "case.updated", "case.transition", "case.shared", "case.share_revoked", "network.",
    "person.", "person.erased", "consent.recorded", "contact.disclosed", "export", "auth.",
)


class EventFilterForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False, empty_label=_("All"))
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    case = forms.CharField(label=_("Case reference"), required=False, max_length=24)
    person = forms.UUIDField(label=_("Person id"), required=False)
    event_type = forms.CharField(
        label=_("Event type"), required=False, max_length=64,
        help_text=_('Exact type, or a prefix ending in "." (access. = every read).'),
        validators=[RegexValidator(r"^[a-z][a-z0-9_.]*$", _("Lower-case letters, digits, _ and . only."))],
    )
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (date, inclusive)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["office"].queryset = auditable_offices(user)
        self.fields["event_type"].widget.attrs["list"] = "event-types"
        self.case_id: str | None = None

    def clean_case(self) -> str:
        reference = self.cleaned_data["case"].strip()
        if reference:
            from cases.models import Case

            # Resolved through the policy: a reference outside the auditor's scope is unknown.
            found = visible(self.user, Case).filter(reference__iexact=reference).values_list("pk", flat=True).first()
            if found is None:
                raise forms.ValidationError(_("No case with this reference in your audit scope."))
            self.case_id = str(found)
        return reference

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> EventFilter:
        """The resolved selection; call only after is_valid()."""
        data = self.cleaned_data
        return EventFilter(
            office_id=data["office"].pk if data.get("office") else None,
            username=data.get("user", "").strip(),
            case_id=self.case_id,
            person_id=str(data["person"]) if data.get("person") else None,
            event_type=data.get("event_type", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def query_items(self) -> list[tuple[str, str]]:
        """The submitted, valid filter values as (name, value), for hidden inputs and links."""
        if not self.is_bound or not self.is_valid():
            return []
        return [(name, str(self.data[name])) for name in self.fields if self.data.get(name)]


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("json", "JSON")])
