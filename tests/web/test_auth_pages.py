"""Sign-in pages, the staff-only guard, and the error pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/", "/cases/", "/cases/new/", "/cases/search/"]


def test_login_page_labels_every_input(client: Client) -> None:
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'class="skip-link"' in html and 'lang="en"' in html and 'dir="ltr"' in html


def test_login_error_is_linked_to_the_form(client: Client, personas: Any) -> None:
    response = client.post("/accounts/login/", {"username": "cw", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_login_signs_in_and_lands_on_the_dashboard(client: Client, personas: Any) -> None:
    response = client.post("/accounts/login/", {"username": "cw", "password": "correct horse battery staple"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_anonymous_users_are_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_user_without_office_role_is_signed_out_and_sent_to_login(client_for: Any, personas: Any, url: str) -> None:
    client = client_for(personas.nobody)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Signed out, so the login page does not bounce them back (no redirect loop).
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "no role in an office" in page.content.decode()


def test_otp_page_renders_its_labelled_field(client_for: Any, personas: Any) -> None:
    response = client_for(personas.supervisor).get("/accounts/two-factor/")
    assert response.status_code == 200
    assert 'for="id_token"' in response.content.decode()


def test_logout_is_a_post_form(client_for: Any, personas: Any) -> None:
    client = client_for(personas.caseworker)
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/" method="post"' in html
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_the_503_page_needs_no_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        html = render_to_string("503.html")
    assert "briefly unavailable" in html and 'dir="rtl"' in html


def test_404_page_for_an_unknown_case(client_for: Any, personas: Any) -> None:
    response = client_for(personas.caseworker).get("/cases/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
