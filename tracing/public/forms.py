"""Forms of the public pages and of the caseworker's panel. Validation of substance is in the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import ConsentScope
from tracing.public.models import AccessChannel

#: Each consent answer in plain words, for the found person.
SCOPE_WORDS = {
    ConsentScope.SHARE_CONTACT: _("Yes, give them my contact details. We tell your relative how to reach you: "
                                  "only the details you agree with your caseworker."),
    ConsentScope.RELAY_MESSAGES: _("Pass on messages, but do not give my address. We tell your relative that you "
                                   "are alive and well, and pass messages between you through our office."),
    ConsentScope.ALIVE_ONLY: _("Only tell them that I am alive and well. Nothing else: no address, no messages."),
    ConsentScope.NO_CONTACT: _("Tell them nothing. We do not tell your relative anything about you."),
}


class SignInForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                              "autocapitalize": "characters", "dir": "ltr"}))
    code = forms.CharField(label=_("Access code"), max_length=40,
                           help_text=_("The code from your email, text message or letter, e.g. ABCD-EFGH-JK."),
                           widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                             "dir": "ltr"}))

    def __init__(self, *args: object, found: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if found:
            self.fields["reference"].label = _("Sign-in name")
            self.fields["reference"].help_text = _("The name that starts with F, from our letter or email.")


class ContactForm(forms.Form):
    email = forms.EmailField(label=_("New email address"), required=False)
    phone = forms.CharField(label=_("New phone number"), required=False, max_length=40,
                            help_text=_("With the country code, e.g. +31 6 1234 5678."),
                            widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}))
    address = forms.CharField(label=_("New postal address"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))


class InfoForm(forms.Form):
    given_names = forms.CharField(label=_("Another given name they may use"), required=False, max_length=200)
    family_name = forms.CharField(label=_("Another family name they may use"), required=False, max_length=200)
    place = forms.CharField(label=_("A place where they may be or have been"), required=False, max_length=200)
    when = forms.CharField(label=_("When was that?"), required=False, max_length=100)
    details = forms.CharField(label=_("Anything else that may help"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.FileField(label=_("A photo (JPEG or PNG, at most 2 MB)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("A caseworker reads every message before passing it on. "
                                       "Do not write your address unless you want it passed on."))
    to = forms.CharField(required=False, widget=forms.HiddenInput)


class ConsentAnswerForm(forms.Form):
    scope = forms.ChoiceField(label=_("What may we tell your relative?"), widget=forms.RadioSelect,
                              choices=list(SCOPE_WORDS.items()))
    message = forms.CharField(label=_("A message for your relative (optional)"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Passed on only if you chose messages or contact details, and only after "
                                          "a caseworker has read it."))


class IssueForm(forms.Form):
    channel = forms.ChoiceField(label=_("How does the code reach the person?"), choices=AccessChannel.choices,
                                widget=forms.RadioSelect, initial=AccessChannel.EMAIL)
