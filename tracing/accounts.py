"""Staff login (django-axes locks out repeated failures), logout and TOTP verification."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import match_token


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class OTPForm(forms.Form):
    token = forms.CharField(label=_("Code from your authenticator app"), max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect("cases:dashboard")
        form.add_error("token", _("That code is not valid. Try the current code."))
    return render(request, "accounts/otp_verify.html", {"form": form})


@receiver(user_logged_in)
def _login_event(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    from audit.events import record_event

    record_event(event_type="auth.login", actor=user, data={})


@receiver(user_locked_out)
def _locked_out_event(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                      **kwargs: Any) -> None:
    """A lockout is a security event of its own: alerting watches for bursts of them."""
    from django.contrib.auth import get_user_model

    from audit.events import record_event

    # The account is named only when it exists: a typed username that matches nobody may be a
    # mistyped password, and is not written down.
    user = get_user_model().objects.filter(username=username).first() if username else None
    record_event(event_type="auth.locked_out", actor=None, data={"user_id": user.pk if user else None,
                                                                 "path": getattr(request, "path", "")})


@receiver(user_login_failed)
def _login_failed_event(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    from audit.events import record_event

    # The username tried is not logged: it may be a mistyped password.
    record_event(event_type="auth.login_failed", actor=None, data={"path": getattr(request, "path", "")})
