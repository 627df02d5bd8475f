"""CSRF everywhere, and uploaded files never served from the application's domain.

Every URL of the URLconf is sent a POST by a logged-in user without a CSRF token: Django's
views are refused by the CSRF middleware, the API's (csrf_exempt at the Django level) by
DRF's SessionAuthentication; the partner API, which does not accept session logins at all,
answers 401. Uploaded files are only ever returned by the download views (attachment
disposition, nosniff); there is no media URL that would serve them inline.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from cases.actions import attachment_add
from cases.attachments import attachment_path

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SAMPLE_UUID = str(uuid.UUID(int=1))
#: Authenticated by partner credentials only: a session is no login there (401, not 403).
OWN_AUTH = ("/api/v1/partners/", "/api/v1/exchange/")
_PARTS = [
    (re.compile(r"\(\?P<[a-z_]*id>\[0-9\]\+\)"), "1"),
    (re.compile(r"\(\?P<\w+>\[\^/\.\]\+\)"), SAMPLE_UUID),
    (re.compile(r"<uuid:\w+>"), SAMPLE_UUID),
    (re.compile(r"<int:\w+>"), "1"),
    (re.compile(r"<(?:str|slug|path):\w+>|<\w+>"), "x"),
]


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _concrete(route: str) -> str | None:
    """A URL for the route with sample values, or None for format-suffix variants."""
    if "format" in route:
        return None
    path = route.replace("^", "").replace("$", "")
    for pattern, value in _PARTS:
        path = pattern.sub(value, path)
    return "/" + path


def _urls() -> list[tuple[str, Any]]:
    urls = []
    for route, callback in _routes(get_resolver().url_patterns):
        url = _concrete(route)
        if url is None:
            continue
        try:
            if resolve(url).func is not callback:
                continue  # an earlier pattern answers this URL; it is checked on its own
        except Resolver404:
            continue
        urls.append((url, callback))
    return urls


URLS = _urls()


def test_the_check_reaches_every_part_of_the_site() -> None:
    paths = [url for url, _ in URLS]
    assert len(paths) > 100
    for prefix in ("/cases/", "/api/v1/cases/", "/api/v1/network/", "/accounts/", "/status/", "/audit/"):
        assert any(p.startswith(prefix) for p in paths), prefix


def test_only_api_views_are_csrf_exempt_and_they_check_it_themselves() -> None:
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.views import APIView

    for url, callback in URLS:
        if not getattr(callback, "csrf_exempt", False):
            continue
        view = getattr(callback, "cls", None)
        assert view is not None and issubclass(view, APIView), url
        # A view that logs in by session cookie does so through DRF's CSRF-enforcing class.
        for auth in view.authentication_classes:
            assert "session" not in auth.__name__.lower() or issubclass(auth, SessionAuthentication), (url, auth)


def test_a_post_without_csrf_token_is_refused_everywhere(personas: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.caseworker)
    wrong = {}
    for url, _ in URLS:
        response = client.post(url, {"anything": "1"})
        expected = (401, 403) if url.startswith(OWN_AUTH) else (403,)
        if response.status_code not in expected:
            wrong[url] = response.status_code
        elif response.status_code == 403 and url.startswith("/api/") and "html" not in response["Content-Type"]:
            if b"CSRF" not in response.content and not url.startswith(OWN_AUTH):
                wrong[url] = "403 for another reason than the missing CSRF token"
    assert wrong == {}


def test_uploads_are_not_served_by_any_media_url(client: Any, personas: Any, open_case: Any) -> None:
    assert settings.MEDIA_URL in (None, "")
    attachment = attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="scan.png",
                                content=PNG)
    stored = attachment_path(attachment.id)
    relative = stored.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    client.force_login(personas.caseworker)
    for guess in (f"/media/{relative}", f"/{relative}", f"/static/{relative}", f"/uploads/{relative}"):
        response = client.get(guess)
        assert response.status_code == 404, guess
        assert PNG not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize("make_url", [
    lambda case, a: f"/cases/{case.id}/attachments/{a.id}/",
    lambda case, a: f"/api/v1/attachments/{a.id}/download/",
])
def test_every_download_is_an_attachment(client: Any, personas: Any, open_case: Any, make_url: Any) -> None:
    attachment = attachment_add(acting_user=personas.caseworker, case_id=open_case.id,
                                filename="<b>page</b>.html.png", content=PNG)
    client.force_login(personas.caseworker)
    response = client.get(make_url(open_case, attachment))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
