"""Django admin: office administrators manage their own office only, through the policy;
cases are not in the admin; the admin is behind two-factor when required."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import UserFactory
from tracing.models import Office, StaffProfile

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_an_office_admin_lists_only_their_own_staff(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    page = client.get(reverse("admin:auth_user_changelist"))
    body = page.content.decode()
    assert page.status_code == 200
    assert ">cw<" in body and ">sup<" in body
    assert "ke_cw" not in body and "fr_cw" not in body and "norole" not in body


def test_another_offices_staff_and_office_are_404(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    assert client.get(reverse("admin:auth_user_change", args=[personas.partner_caseworker.pk])).status_code == 404
    assert client.get(reverse("admin:tracing_office_change", args=[personas.partner.pk])).status_code == 404
    assert client.get(reverse("admin:tracing_office_change", args=[personas.home.pk])).status_code == 200
    response = client.post(reverse("admin:auth_user_change", args=[personas.partner_caseworker.pk]),
                           {"username": "hijacked"})
    assert response.status_code == 404
    personas.partner_caseworker.refresh_from_db()
    assert personas.partner_caseworker.username == "ke_cw"


def test_an_office_admin_changes_office_settings(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("admin:tracing_office_change", args=[personas.home.pk]), {
        "code": "XX", "country": "FR", "name": "Netherlands office", "languages": '["nl", "en"]',
        "timezone": "Europe/Amsterdam", "contact_email": "", "contact_phone": "",
        "inactivity_reminder_days": 45,  # caseworkers_see_office_cases unticked: off
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    office = Office.objects.get(pk=personas.home.pk)
    assert (office.code, office.country) == ("NL", "NL")  # read-only for office admins
    assert office.caseworkers_see_office_cases is False and office.inactivity_reminder_days == 45


def test_an_office_admin_adds_a_caseworker_to_their_office(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "newcw", "password1": "a-long enough passphrase 42", "password2": "a-long enough passphrase 42",
        "usable_password": "true",
        "staff-TOTAL_FORMS": "1", "staff-INITIAL_FORMS": "0", "staff-MIN_NUM_FORMS": "1", "staff-MAX_NUM_FORMS": "1",
        "staff-0-role": "caseworker", "staff-0-language": "en",
        "staff-0-office": personas.partner.pk, "staff-0-network_wide": "on",  # read-only: ignored
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = StaffProfile.objects.get(user__username="newcw")
    assert (profile.office, profile.role, profile.network_wide) == (personas.home, "caseworker", False)
    assert not profile.user.is_superuser and not profile.user.is_staff


def test_an_office_admin_cannot_make_superusers(client: Any, personas: Any) -> None:
    client.force_login(personas.admin)
    url = reverse("admin:auth_user_change", args=[personas.caseworker.pk])
    assert "is_superuser" not in client.get(url).content.decode()
    client.post(url, {"username": "cw", "is_active": "on", "is_superuser": "on", "is_staff": "on",
                      "staff-TOTAL_FORMS": "1", "staff-INITIAL_FORMS": "1", "staff-MIN_NUM_FORMS": "1",
                      "staff-MAX_NUM_FORMS": "1", "staff-0-id": personas.caseworker.staff.pk,
                      "staff-0-user": personas.caseworker.pk, "staff-0-role": "supervisor",
                      "staff-0-language": "en"})
    personas.caseworker.refresh_from_db()
    assert not personas.caseworker.is_superuser and not personas.caseworker.is_staff
    assert personas.caseworker.staff.role == "supervisor"  # roles are theirs to set


@pytest.mark.parametrize("who", ["caseworker", "supervisor", "auditor", "partner_supervisor", "nobody"])
def test_other_roles_are_refused_the_admin(client: Any, personas: Any, who: str) -> None:
    client.force_login(getattr(personas, who))
    assert client.get("/admin/").status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_anonymous_users_are_sent_to_the_one_login_page(client: Any) -> None:
    response = client.get("/admin/", follow=False)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith("/accounts/login/")


def test_cases_are_not_in_the_admin_for_anyone(client: Any, personas: Any, open_case: Any) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (root, personas.admin):
        client.force_login(user)
        assert client.get(f"/admin/cases/case/{open_case.pk}/change/").status_code == 404
        assert client.get("/admin/cases/").status_code == 404
        assert "cases" not in [a["app_label"] for a in client.get("/admin/").context["available_apps"]]


def test_the_admin_needs_a_verified_device_when_required(client: Any, personas: Any, settings: Any) -> None:
    settings.TRACING_REQUIRE_OTP = True
    client.force_login(personas.admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
