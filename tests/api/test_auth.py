"""POST /api/v1/auth/token/ and token authentication."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.api.conftest import case_url

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests/factories.py


def test_obtain_a_token_and_use_it(personas: Any, open_case: Any) -> None:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "cw", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=personas.caseworker).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(case_url(open_case))
    assert response.status_code == 200 and response.json()["id"] == str(open_case.id)
    response = client.post(case_url(open_case, "notes/"), {"body": "By token.", "visibility": "internal"},
                           format="json")
    assert response.status_code == 201  # no CSRF for token clients


def test_wrong_password_gets_no_token(personas: Any) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "cw", "password": "guess"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "non_field_errors" in body["errors"]
    assert not Token.objects.exists()


def test_a_bad_token_is_401(personas: Any, open_case: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(case_url(open_case))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_token_of_a_user_without_role_is_403(personas: Any, open_case: Any) -> None:
    token = Token.objects.create(user=personas.nobody)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cases/").status_code == 403


def test_token_of_an_outsider_does_not_reveal_the_case(personas: Any, open_case: Any) -> None:
    token = Token.objects.create(user=personas.outsider)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(case_url(open_case)).status_code == 404
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_session_writes_need_csrf(personas: Any, open_case: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas.caseworker)
    response = client.post(case_url(open_case, "notes/"), {"body": "x", "visibility": "internal"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert client.get(case_url(open_case)).status_code == 200


def test_two_factor_roles_get_no_token_by_password(personas: Any, open_case: Any, settings: Any) -> None:
    settings.TRACING_REQUIRE_OTP = True
    response = APIClient().post("/api/v1/auth/token/", {"username": "sup", "password": PASSWORD}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Token.objects.filter(user=personas.supervisor).exists()
    response = APIClient().post("/api/v1/auth/token/", {"username": "cw", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_an_existing_token_does_not_bypass_two_factor(personas: Any, open_case: Any, settings: Any) -> None:
    settings.TRACING_REQUIRE_OTP = True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.supervisor).key}")
    response = client.get(case_url(open_case))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    settings.TRACING_REQUIRE_OTP = False
    assert client.get(case_url(open_case)).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/network/requests/sent/", "/api/v1/reports/office/"])
def test_no_staff_api_takes_a_token_in_place_of_two_factor(personas: Any, settings: Any, url: str) -> None:
    settings.TRACING_REQUIRE_OTP = True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.supervisor).key}")
    response = client.get(url)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    settings.TRACING_REQUIRE_OTP = False
    assert client.get(url).status_code == 200


def test_a_data_subject_export_takes_no_token_in_place_of_two_factor(personas: Any, open_case: Any,
                                                                     settings: Any) -> None:
    from cases.models import Person

    sought = Person.objects.get(case=open_case, role="sought")
    settings.TRACING_REQUIRE_OTP = True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.supervisor).key}")
    response = client.get(f"/api/v1/privacy/persons/{sought.id}/export/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "dsar.exported" not in set(AuditEvent.objects.values_list("event_type", flat=True))
