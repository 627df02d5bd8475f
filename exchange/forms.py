"""Forms of the exchange pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from exchange.fields import TARGETS

ENCODING_CHOICES = [
    ("utf-8", _("UTF-8 (also with a byte-order mark)")),
    ("utf-16", _("UTF-16 (Excel “Unicode text”)")),
    ("cp1252", _("Windows-1252 (Western European Excel)")),
    ("iso-8859-1", _("ISO-8859-1 (Latin-1)")),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("List of persons"),
                           help_text=_("A .csv or .xlsx file with a header row, or a PFIF 1.4 .xml file."))
    label = forms.CharField(label=_("Name of the list"), max_length=120,
                            help_text=_("Where the list comes from, e.g. “Kakuma camp registration, March”."))
    encoding = forms.ChoiceField(label=_("Encoding of a CSV file"), choices=ENCODING_CHOICES, initial="utf-8")


class MappingForm(forms.Form):
    """One choice per column of the list: which person field it holds, or none."""

    def __init__(self, *args: object, columns: list[str], mapping: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —")), *TARGETS.items()]
        for index, header in enumerate(columns):
            letter = get_column_letter(index + 1)
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=f"{header} ({letter})" if header else letter, choices=choices, required=False,
                initial=mapping.get(str(index), ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("col_"): value for name, value in self.cleaned_data.items() if value}


class ExportForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=24,
                                help_text=_("Persons of this case who consented are exported, e.g. NL-2026-00012."))
