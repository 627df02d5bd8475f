"""Forms of the caseworker web pages. They check input shape only; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from audit.access import Purpose
from cases.fields import PartialDateFormField
from cases.models import (
    ConsentScope,
    ConsentSource,
    ErasureReason,
    NameKind,
    NoteVisibility,
    Priority,
    Relationship,
    SeparationCause,
    Sex,
)
from cases.workflow import State, Transition

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Don't know"))]
SCRIPTS = [
    ("", _("Not specified")), ("Latn", _("Latin")), ("Arab", _("Arabic")), ("Cyrl", _("Cyrillic")),
    ("Ethi", _("Ge'ez (Amharic, Tigrinya)")), ("Deva", _("Devanagari")), ("Hans", _("Chinese")),
    ("Other", _("Other")),
]
BLANK = [("", "—")]


def blank(choices: Any) -> list[tuple[str, Any]]:
    return BLANK + list(choices)


def split_languages(text: str) -> list[str]:
    """'so, en ar' → ['so', 'en', 'ar'] (language codes or names, as typed)."""
    return [part.strip() for part in text.replace(";", ",").replace(" ", ",").split(",") if part.strip()]


class LanguagesField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:
        return split_languages(super().to_python(value) or "")

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list | tuple) else (value or "")


def _phone_or_blank(value: str) -> str:
    # Input shape only: the action normalises again and stores E.164.
    from matching.keys import normalise_phone

    if value and normalise_phone(value) is None:
        raise forms.ValidationError(_("Enter a phone number with its country code, e.g. +31 6 1234 5678."))
    return value


# --- intake --------------------------------------------------------------------------------


class EligibilityForm(forms.Form):
    """The mandate questions asked before anything else (peer services do the same)."""

    is_relative = forms.ChoiceField(label=_("Is the enquirer a relative of the sought person?"),
                                    choices=YES_NO, widget=forms.RadioSelect)
    lost_contact_months = forms.IntegerField(
        label=_("For how many months has there been no contact?"), min_value=0, max_value=1200,
        help_text=_("An estimate is fine. Enter 0 if contact was lost less than a month ago."),
    )
    sought_is_adult = forms.ChoiceField(label=_("Is the sought person an adult?"), choices=YES_NO_UNKNOWN,
                                        widget=forms.RadioSelect)
    risk_to_sought = forms.ChoiceField(
        label=_("Could finding the sought person put them at risk?"), choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        help_text=_("For example: they fled violence from someone in the family."),
    )
    debt_or_legal = forms.ChoiceField(label=_("Is the request about a debt, a court case or other legal pursuit?"),
                                      choices=YES_NO, widget=forms.RadioSelect)
    record_anyway = forms.BooleanField(
        label=_("Record the request anyway, so that a supervisor decides"), required=False,
    )

    def concerns(self) -> list[str]:
        """Answers that suggest the request is outside the mandate, in plain words."""
        data = getattr(self, "cleaned_data", {})
        found = []
        if data.get("is_relative") == "no":
            found.append(_("The enquirer is not a relative: tracing is for family members."))
        if data.get("lost_contact_months") is not None and data["lost_contact_months"] < 1:
            found.append(_("Contact was lost less than a month ago: other services may help faster."))
        if data.get("risk_to_sought") == "yes":
            found.append(_("Finding the sought person may put them at risk."))
        if data.get("debt_or_legal") == "yes":
            found.append(_("Tracing is never done for debt collection or legal pursuit."))
        return found

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "is_relative": data["is_relative"] == "yes",
            "lost_contact_months": data["lost_contact_months"],
            "sought_is_adult": data["sought_is_adult"],
            "risk_to_sought": data["risk_to_sought"],
            "debt_or_legal": data["debt_or_legal"] == "yes",
            "outside_mandate": bool(self.concerns()),
        }


class NameForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind of name"), choices=NameKind.choices, initial=NameKind.PRIMARY)
    script = forms.ChoiceField(label=_("Script"), choices=SCRIPTS, required=False)
    family_name_first = forms.BooleanField(label=_("Family name is written first"), required=False)

    def has_name(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool((data.get("given_names") or "").strip() or (data.get("family_name") or "").strip())


class BaseNameFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.has_name() for form in self.forms if form not in self.deleted_forms):
            raise forms.ValidationError(_("Give at least one name."))

    def names(self) -> list[dict[str, Any]]:
        return [
            {k: form.cleaned_data.get(k) for k in ("given_names", "family_name", "kind", "script", "family_name_first")}
            for form in self.forms
            if form.has_name() and form not in self.deleted_forms
        ]


NameFormSet = forms.formset_factory(NameForm, formset=BaseNameFormSet, extra=2, max_num=10, can_delete=True)


class PlaceForm(forms.Form):
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    country = forms.CharField(label=_("Country code"), max_length=2, required=False,
                              help_text=_("Two letters, e.g. KE"))
    date = PartialDateFormField(label=_("When"), required=False,
                                help_text=_("YYYY, YYYY-MM or YYYY-MM-DD; ~YYYY if approximate"))


class BasePlaceFormSet(forms.BaseFormSet):
    def places(self) -> list[dict[str, Any]]:
        return [
            {"place": f.cleaned_data["place"], "country": (f.cleaned_data.get("country") or "").upper(),
             "date": f.cleaned_data.get("date")}
            for f in self.forms
            if f.cleaned_data.get("place") and f not in self.deleted_forms
        ]


PlaceFormSet = forms.formset_factory(PlaceForm, formset=BasePlaceFormSet, extra=1, max_num=10, can_delete=True)


class EnquirerForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    languages = LanguagesField(label=_("Languages spoken"), required=False, help_text=_("Separate with commas"))

    def clean_phone(self) -> str:
        return _phone_or_blank(self.cleaned_data["phone"])

    def person_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"phone": data["phone"], "email": data["email"], "address": data["address"],
                "languages": data["languages"] or None}


class SoughtForm(forms.Form):
    relationship = forms.ChoiceField(label=_("Relationship to the enquirer"), choices=blank(Relationship.choices))
    sex = forms.ChoiceField(label=_("Sex"), choices=blank(Sex.choices), required=False)
    birth_date = PartialDateFormField(
        label=_("Date of birth or age"), required=False,
        help_text=_("YYYY, YYYY-MM, YYYY-MM-DD, ~YYYY if approximate, or an age such as 35"),
    )
    birth_place = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    is_minor = forms.BooleanField(label=_("The sought person is under 18"), required=False)
    last_place = forms.CharField(label=_("Last known place"), max_length=200, required=False)
    last_place_country = forms.CharField(label=_("Country code of that place"), max_length=2, required=False,
                                         help_text=_("Two letters, e.g. KE"))
    last_place_date = PartialDateFormField(label=_("When they were last there"), required=False,
                                           help_text=_("YYYY, YYYY-MM or YYYY-MM-DD; ~YYYY if approximate"))

    def person_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        places = []
        if data["last_place"]:
            places.append({"place": data["last_place"], "country": data["last_place_country"].upper(),
                           "date": data["last_place_date"]})
        return {"relationship": data["relationship"], "sex": data["sex"], "birth_date": data["birth_date"],
                "birth_place": data["birth_place"], "is_minor": data["is_minor"], "places": places}


class SeparationForm(forms.Form):
    separation_cause = forms.ChoiceField(label=_("Cause of separation"), choices=blank(SeparationCause.choices))
    separation_date = PartialDateFormField(label=_("Date of separation"), required=False,
                                           help_text=_("YYYY, YYYY-MM or YYYY-MM-DD; ~YYYY if approximate"))
    separation_place = forms.CharField(label=_("Place of separation"), max_length=200, required=False)
    separation_circumstances = forms.CharField(label=_("Circumstances of separation"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 4}))
    languages = LanguagesField(label=_("Languages to use on this case"), required=False,
                               help_text=_("Separate with commas, e.g. so, en"))


# --- editing -------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    """Every edit form carries the case version it was built from (optimistic concurrency)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CaseEditForm(VersionedForm, SeparationForm):
    involves_minor = forms.BooleanField(label=_("A minor is involved"), required=False)
    vulnerable = forms.BooleanField(label=_("A vulnerable person is involved"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int,
                                      help_text=_("Cases with a minor or a vulnerable person are always urgent."))

    FIELDS = ("separation_cause", "separation_date", "separation_place", "separation_circumstances",
              "languages", "involves_minor", "vulnerable", "priority")

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["separation_date"] = data["separation_date"] or None
        return {name: data[name] for name in self.FIELDS}


class PersonForm(VersionedForm):
    relationship = forms.ChoiceField(label=_("Relationship to the enquirer"), choices=blank(Relationship.choices),
                                     required=False)
    is_minor = forms.BooleanField(label=_("Is under 18"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=blank(Sex.choices), required=False)
    birth_date = PartialDateFormField(
        label=_("Date of birth or age"), required=False,
        help_text=_("YYYY, YYYY-MM, YYYY-MM-DD, ~YYYY if approximate, or an age such as 35"),
    )
    birth_place = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    nationality = forms.CharField(label=_("Nationality"), max_length=100, required=False)
    father_name = forms.CharField(label=_("Father's name"), max_length=200, required=False)
    mother_name = forms.CharField(label=_("Mother's name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Appearance, marks, habits: anything that helps recognise them."))
    languages = LanguagesField(label=_("Languages spoken"), required=False, help_text=_("Separate with commas"))

    FIELDS = ("relationship", "is_minor", "sex", "birth_date", "birth_place", "nationality", "father_name",
              "mother_name", "phone", "email", "address", "description", "languages")

    def clean_phone(self) -> str:
        return _phone_or_blank(self.cleaned_data["phone"])

    def person_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["languages"] = data["languages"] or None
        return data


class PersonAddForm(PersonForm):
    role = forms.ChoiceField(label=_("Who is this person?"), choices=[
        ("sought", _("Another sought person")), ("relative", _("A relative who may help the search")),
    ], widget=forms.RadioSelect)

    field_order = ["role"]


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=NoteVisibility.choices,
                                   initial=NoteVisibility.INTERNAL, widget=forms.RadioSelect)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, at most %(mb)s MB.")
        % {"mb": settings.TRACING_MAX_ATTACHMENT_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    person = forms.ChoiceField(label=_("About which person"), required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    shareable = forms.BooleanField(label=_("Partner offices may see it"), required=False)

    def __init__(self, *args: Any, persons: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("The case as a whole"))] + list(persons)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.TRACING_MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload


class AssignForm(VersionedForm):
    assigned_to = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args: Any, staff: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", _("Nobody (unassigned)"))] + [(str(pk), n) for pk, n in staff]


class ConsentForm(forms.Form):
    person = forms.ChoiceField(label=_("Found person"))
    scope = forms.ChoiceField(label=_("What they agreed to"), choices=ConsentScope.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("How consent was given"), choices=blank(ConsentSource.choices))
    given_on = forms.DateField(label=_("Date given"), required=False, help_text=_("YYYY-MM-DD; empty means today"),
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, persons: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = list(persons)


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for erasure"), choices=blank(ErasureReason.choices))
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone"))


class TransitionForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    detail = forms.CharField(label=_("Details (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, transition: Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition.reasons is not None:
            self.fields["reason"].choices = blank(transition.reasons.choices)
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Why are you opening this case?"), choices=Purpose.choices,
                                widget=forms.RadioSelect)


class CaseFilterForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=24, required=False)
    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any"))] + list(State.choices), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=[("", _("Any"))] + list(Priority.choices),
                                      coerce=int, empty_value=None, required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or phone number"), min_length=2, max_length=200,
                        help_text=_("Any spelling, script or order of names."))
