"""The dashboard API: same numbers as the pages, withheld counts as null, errors as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.reports.conftest import PERIOD

pytestmark = pytest.mark.django_db


def _get(user: Any, url: str, params: dict[str, Any] | None = None) -> Any:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(url, params or {})


def _table(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in body["tables"] if t["key"] == key)


def test_office_numbers(personas: Any, nl_cases: dict[str, Any]) -> None:
    response = _get(personas.supervisor, "/api/v1/reports/office/", {**PERIOD, "cause": "conflict"})
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == {"network": False, "office": "NL", "cause": "conflict", "date_from": "2025-01",
                             "date_to": "2025-03"}
    months = _table(body, "new_per_month")
    assert [(r["key"], r["count"]) for r in months["rows"]] == [("2025-01", 2), ("2025-02", 1), ("2025-03", 2)]
    assert months["total"] == {"count": 5, "display": "5"}
    assert {m["key"]: m["days"] for m in body["medians"]} == {"accepted_to_located": 6.0, "accepted_to_closed": 20.0}


def test_network_withheld_counts_are_null(personas: Any, network_cases: Any) -> None:
    body = _get(personas.auditor, "/api/v1/reports/network/", PERIOD).json()
    stages = {r["key"]: (r["count"], r["display"]) for r in _table(body, "stages")["rows"]}
    assert stages["searching"] == (None, "<5") and stages["received"] == (None, "≥5")
    assert _table(body, "stages")["total"] == {"count": None, "display": "≥5"}
    ke = _get(personas.auditor, "/api/v1/reports/network/", {**PERIOD, "office": "KE"}).json()
    assert ke["scope"]["office"] == "KE" and _table(ke, "stages")["total"]["count"] == 6


def test_errors_and_access(personas: Any, nl_cases: dict[str, Any]) -> None:
    bad = _get(personas.supervisor, "/api/v1/reports/office/", {"date_from": "2025-13"})
    assert bad.status_code == 400 and "date_from" in str(bad.json())
    assert _get(None, "/api/v1/reports/office/").status_code == 401
    assert _get(personas.admin, "/api/v1/reports/office/").status_code == 403
    assert _get(personas.caseworker, "/api/v1/reports/network/", {"date_from": "bad"}).status_code == 403
    outsider = _get(personas.outsider, "/api/v1/reports/office/", PERIOD).json()
    assert outsider["scope"]["office"] == "FR" and all(t["total"]["count"] == 0 for t in outsider["tables"])


def test_documented_in_openapi() -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    office, network = paths["/api/v1/reports/office/"]["get"], paths["/api/v1/reports/network/"]["get"]
    assert office["summary"] and network["summary"] and set(office["responses"]) == {"200", "400", "403"}
    assert {p["name"] for p in network["parameters"]} == {"office", "date_from", "date_to", "cause"}
