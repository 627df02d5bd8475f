"""Languages (Dutch complete, Arabic right-to-left) and page weight on slow connections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings

from cases.models import Person
from tests.web.conftest import PAGE_BUDGET_BYTES

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_dashboard_and_case_render_in_dutch(client_for: Any, personas: Any, open_case: Any) -> None:
    client = client_for(personas.caseworker)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="nl"' in html and "Mijn open dossiers" in html and "Uitloggen" in html
    assert "My open cases" not in html
    case = client.get(f"/cases/{open_case.id}/").content.decode()
    assert "Ontvangen" in case and "Volgende stappen" in case and "Broer of zus" in case


def test_intake_form_errors_in_dutch(client_for: Any, personas: Any) -> None:
    client = client_for(personas.caseworker)
    html = client.post("/cases/new/", {}, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Is de aanvrager familie van de gezochte persoon?" in html
    assert "Geef minstens één naam." in html


def test_arabic_pages_are_right_to_left(client_for: Any, personas: Any) -> None:
    html = client_for(personas.caseworker).get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_dutch_catalogue_is_complete_and_compiled() -> None:
    po = polib.pofile(str(LOCALE / "nl" / "LC_MESSAGES" / "django.po"))
    assert po.percent_translated() == 100 and not po.fuzzy_entries()
    # Apps added later keep their own catalogue (<app>/locale/nl); each must be complete too.
    for app_po in Path(settings.BASE_DIR).glob("*/locale/nl/LC_MESSAGES/django.po"):
        catalogue = polib.pofile(str(app_po))
        assert catalogue.percent_translated() == 100 and not catalogue.fuzzy_entries(), app_po
        assert app_po.with_suffix(".mo").stat().st_size > 0, app_po
    for lang in ("nl", "fr", "ar"):
        assert (LOCALE / lang / "LC_MESSAGES" / "django.mo").stat().st_size > 0
        assert polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po")).metadata["Language"] == lang


def test_pages_stay_light(client_for: Any, personas: Any, open_case: Any) -> None:
    sought = Person.objects.get(case=open_case, role="sought")
    caseworker, supervisor = client_for(personas.caseworker), client_for(personas.supervisor)
    pages = [
        (caseworker, "/"), (caseworker, "/cases/"), (caseworker, "/cases/new/"), (caseworker, "/cases/search/"),
        (caseworker, f"/cases/{open_case.id}/"), (caseworker, f"/cases/{open_case.id}/edit/"),
        (caseworker, f"/persons/{sought.id}/edit/"), (caseworker, f"/cases/{open_case.id}/persons/new/"),
        (supervisor, f"/cases/{open_case.id}/assign/"), (supervisor, f"/persons/{sought.id}/erase/"),
        (client_for(None), "/accounts/login/"),
    ]
    stylesheet = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").stat().st_size
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) + stylesheet < PAGE_BUDGET_BYTES, url
        html = response.content.decode()
        # Strict CSP: nothing inline, nothing from elsewhere.
        assert "<script" not in html and "style=" not in html and "<style" not in html, url
        assert "https://" not in html and "http://" not in html, url
