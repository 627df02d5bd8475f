"""Filters of the dashboards and the export form; errors are shown next to their fields."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import SeparationCause
from cases.workflow import State
from reports.selectors import month_after

MAX_MONTHS = 60
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends); cleaned to its first day."""

    widget = MonthInput

    def to_python(self, value: Any) -> date | None:
        text = (value or "").strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, for example 2025-03."), code="invalid")
        return date(int(match[1]), int(match[2]), 1)


class PeriodForm(forms.Form):
    date_from = MonthField(label=_("From month"), required=False, help_text=_("YYYY-MM, for example 2025-01."))
    date_to = MonthField(label=_("To month (included)"), required=False, help_text=_("YYYY-MM, for example 2025-12."))
    cause = forms.ChoiceField(label=_("Cause of separation"), required=False,
                              choices=[("", _("All causes")), *SeparationCause.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, last = data.get("date_from"), data.get("date_to")
        if start and last:
            if last < start:
                self.add_error("date_to", _("The last month must not be before the first."))
            elif (last.year - start.year) * 12 + last.month - start.month + 1 > MAX_MONTHS:
                self.add_error("date_to", _("Choose at most %(n)d months.") % {"n": MAX_MONTHS})
        return data

    def scope_filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        last = data.get("date_to")
        return {"cause": data.get("cause") or "", "start": data.get("date_from"),
                "end": month_after(last) if last else None}


class NetworkFilterForm(PeriodForm):
    office = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False, empty_label=_("All offices"),
                                    to_field_name="code")

    field_order = ["office", "date_from", "date_to", "cause"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tracing.models import Office

        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.order_by("code")

    def scope_filters(self) -> dict[str, Any]:
        return {**super().scope_filters(), "office": self.cleaned_data.get("office")}


EXPORT_KINDS = [("cases", _("Case list")), ("persons", _("Persons"))]
FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]


class ExportForm(PeriodForm):
    """What to export; the rows are always the visible cases, the cells what the level allows."""

    kind = forms.ChoiceField(label=_("What"), choices=EXPORT_KINDS, initial="cases")
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="csv")
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *State.choices])

    field_order = ["kind", "format", "state", "cause", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_from"].label = _("Cases opened from month")
        self.fields["date_to"].label = _("Cases opened until month (included)")

    def export_filters(self) -> dict[str, Any]:
        return {**self.scope_filters(), "state": self.cleaned_data.get("state") or ""}

