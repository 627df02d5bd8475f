"""The dashboard pages: numbers, charts with their tables, CSV downloads, filters, access."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from defusedxml import ElementTree

from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


def _client(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_office_page_shows_charts_and_tables(client: Any, personas: Any, nl_cases: dict[str, Any]) -> None:
    response = _client(client, personas.supervisor).get("/reports/", PERIOD)
    assert response.status_code == 200 and len(response.content) < 100_000
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 6
    assert '<title id="chart-stages-title">Open cases by stage</title>' in html
    assert '<desc id="chart-outcomes-desc">' in html
    assert 'aria-labelledby="chart-stages-title chart-stages-desc"' in html
    assert "style=" not in html and "<script" not in html  # strict CSP
    assert "Mohammed" not in html  # aggregates only
    assert '<tr><th scope="row">Searching</th><td>1</td></tr>' in html
    assert "download=stages" in html and 'href="/reports/network/"' in html
    start = html.index("<svg")
    svg = ElementTree.fromstring(html[start:html.index("</svg>", start) + 6])  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img" and svg.find(f"{ns}title") is not None and len(svg.findall(f"{ns}rect")) == 15


def test_csv_download_of_a_table(client: Any, personas: Any, nl_cases: dict[str, Any]) -> None:
    response = _client(client, personas.supervisor).get("/reports/", {**PERIOD, "download": "new_per_month"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "new_per_month.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Month", "Count"], ["2025-01", "2"], ["2025-02", "2"], ["2025-03", "3"], ["Total", "7"]]
    medians = client.get("/reports/", {**PERIOD, "download": "medians"})
    assert list(csv.reader(io.StringIO(medians.content.decode("utf-8-sig"))))[1:] == [
        ["From acceptance to located", "4.0", "3"], ["From acceptance to closure", "24.0", "2"]]
    assert client.get("/reports/", {"download": "nonsense"}).status_code == 400


def test_network_page_and_csv_are_suppressed(client: Any, personas: Any, network_cases: Any) -> None:
    c = _client(client, personas.supervisor)
    html = c.get("/reports/network/", PERIOD).content.decode()
    assert '<tr><th scope="row">Searching</th><td>&lt;5</td></tr>' in html
    download = c.get("/reports/network/", {**PERIOD, "download": "stages"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert ["Received", "≥5"] in rows and ["Searching", "<5"] in rows and rows[-1] == ["Total", "≥5"]
    assert not any(cell in ("1", "7", "11") for row in rows for cell in row)


def test_filters_are_validated(client: Any, personas: Any) -> None:
    c = _client(client, personas.supervisor)
    response = c.get("/reports/", {"date_from": "2025-05", "date_to": "2025-01", "cause": "war"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The last month must not be before the first." in html and "Select a valid choice." in html
    assert "<svg" not in html
    assert "Enter a month as YYYY-MM" in c.get("/reports/", {"date_from": "2025-13"}).content.decode()
    assert "Choose at most 60 months." in c.get("/reports/", {"date_from": "2015-01", "date_to": "2025-01"}
                                               ).content.decode()
    unknown_office = c.get("/reports/network/", {"office": "ZZ"}).content.decode()
    assert "Select a valid choice." in unknown_office


def test_access(client: Any, personas: Any, nl_cases: dict[str, Any]) -> None:
    assert client.get("/reports/").status_code == 302  # sign in first
    for user, office, network in ((personas.caseworker, 200, 403), (personas.auditor, 200, 200),
                                  (personas.admin, 403, 403), (personas.outsider, 200, 403),
                                  (personas.partner_supervisor, 200, 200)):
        client.force_login(user)
        assert client.get("/reports/").status_code == office, user
        assert client.get("/reports/network/").status_code == network, user
    # The outsider's office page counts its own (empty) office, never the home office's cases.
    client.force_login(personas.outsider)
    rows = list(csv.reader(io.StringIO(client.get("/reports/", {**PERIOD, "download": "new_per_month"}
                                                  ).content.decode("utf-8-sig"))))
    assert rows[-1] == ["Total", "0"]
    # A forbidden role gets 403 even with invalid filters (no form errors first).
    client.force_login(personas.caseworker)
    assert client.get("/reports/network/", {"date_from": "bad"}).status_code == 403


def test_dutch(client: Any, personas: Any, settings: Any) -> None:
    client.force_login(personas.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get("/reports/").content.decode()
    assert "Open dossiers per fase" in html and "Rapporten" in html and "CSV downloaden" in html
