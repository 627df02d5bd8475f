"""Staff accounts: lockout after repeated failures, TOTP for privileged roles, session timeout,
Argon2 hashing."""

from __future__ import annotations

import importlib
import time
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


def login(client: Any, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_repeated_failures_lock_the_account(client: Any, personas: Any, settings: Any) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [login(client, "cw", "wrong password").status_code for _n in range(6)]
    # Four times the form again; the fifth failure reaches the limit and is answered with the
    # lockout, so the sixth wrong password (and then the right one) is refused.
    assert statuses == [200, 200, 200, 200, 429, 429]
    refused = login(client, "cw", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="auth.login_failed").count() >= 5
    assert not AuditEvent.objects.filter(event_type="auth.login").exists()
    locked = AuditEvent.objects.filter(event_type="auth.locked_out")
    assert locked.exists() and all(e.data["user_id"] == personas.caseworker.pk for e in locked)
    # Failures are recorded without the password tried or the username typed.
    assert all("wrong" not in str(e.data) for e in AuditEvent.objects.filter(event_type="auth.login_failed"))


def test_a_correct_password_signs_in_and_is_audited(client: Any, personas: Any) -> None:
    response = login(client, "cw", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == personas.caseworker.pk
    assert AuditEvent.objects.get(event_type="auth.login").actor_id == personas.caseworker.pk


@pytest.mark.parametrize("who", ["supervisor", "admin", "auditor"])
def test_privileged_roles_need_a_totp_device(client: Any, personas: Any, settings: Any, who: str) -> None:
    settings.TRACING_REQUIRE_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # else the wrong code below delays the right one by a second
    user = getattr(personas, who)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert login(client, user.username, PASSWORD).status_code == 302
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/network/requests/sent/").status_code == 403  # the API too

    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    wrong = client.post(reverse("otp-verify"), {"token": f"{(token + 500000) % 10**6:06d}"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    ok = client.post(reverse("otp-verify"), {"token": f"{token:0{device.digits}d}"})
    assert ok.status_code == 302
    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_caseworkers_do_not_need_a_device(client: Any, personas: Any, settings: Any) -> None:
    settings.TRACING_REQUIRE_OTP = True
    login(client, "cw", PASSWORD)
    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_the_idle_session_timeout_is_applied(client: Any, personas: Any, settings: Any) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    login(client, "cw", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 4 * 60 * 60
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((session.expire_date - expected).total_seconds()) < 60
    # Idle past the timeout: signed out.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_activity_restarts_the_idle_timeout_at_most_once_a_minute(client: Any, personas: Any) -> None:
    login(client, "cw", PASSWORD)
    key = client.session.session_key
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(pk=key).update(expire_date=soon)
    assert client.get(reverse("cases:dashboard")).status_code == 200
    # Refreshed at sign-in moments ago: this request writes nothing.
    assert Session.objects.get(pk=key).expire_date == soon
    session = client.session
    session["_refreshed"] = time.time() - 61
    session.save()
    Session.objects.filter(pk=key).update(expire_date=soon)
    assert client.get(reverse("cases:dashboard")).status_code == 200
    expected = timezone.now() + timedelta(hours=4)
    assert abs((Session.objects.get(pk=key).expire_date - expected).total_seconds()) < 60


def test_an_anonymous_visit_creates_no_session(client: Any) -> None:
    assert client.get("/accounts/login/").status_code == 200
    assert Session.objects.count() == 0


def test_passwords_are_hashed_with_argon2_outside_tests() -> None:
    base = importlib.import_module("settings.base")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
