"""GET /api/v1/cases/: scoped by the policy, redacted per row, filtered, paged, logged, constant queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.actions import case_open, case_transition
from cases.api.pagination import CappedPagination
from cases.api.views import CaseViewSet
from tests.api.conftest import api_reads, assert_no_plaintext, share
from tests.factories import sample_case_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def _open(user: Any, given: str = "Mohammed Abdi", family: str = "Hassan", **overrides: Any) -> Any:
    data = sample_case_data(**overrides)
    data["sought"][0]["names"] = [{"given_names": given, "family_name": family}]
    return case_open(acting_user=user, **data)


def test_caseworker_lists_the_office_cases_only(personas: Any, client_for: Any) -> None:
    mine = _open(personas.caseworker)
    theirs = _open(personas.supervisor)
    _open(personas.outsider)
    response = client_for(personas.caseworker).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None
    assert {row["id"] for row in body["results"]} == {str(mine.id), str(theirs.id)}
    row = next(r for r in body["results"] if r["id"] == str(mine.id))
    assert row["access_level"] == "owner" and row["reference"] == mine.reference and row["version"] == 1
    assert [p["display_name"] for p in row["sought"]] == ["Mohammed Abdi Hassan"]
    assert set(row["sought"][0]) == {"id", "role", "erased", "display_name"}


def test_partner_lists_shared_cases_with_search_fields_only(personas: Any, client_for: Any) -> None:
    shared = _open(personas.caseworker)
    _open(personas.caseworker)  # not shared
    own = _open(personas.partner_caseworker)
    share(shared, personas, "search")
    response = client_for(personas.partner_caseworker).get(URL)
    assert response.status_code == 200
    rows = {r["id"]: r for r in response.json()["results"]}
    assert set(rows) == {str(shared.id), str(own.id)}
    row = rows[str(shared.id)]
    assert row["access_level"] == "search"
    assert {"office", "version", "assigned_to", "updated_at", "due_at"}.isdisjoint(row)
    assert row["reference"] == shared.reference and row["sought"][0]["display_name"] == "Mohammed Abdi Hassan"
    assert rows[str(own.id)]["access_level"] == "owner"


def test_partner_full_share_is_marked_full(personas: Any, client_for: Any) -> None:
    shared = _open(personas.caseworker)
    share(shared, personas, "full")
    rows = client_for(personas.partner_supervisor).get(URL).json()["results"]
    assert [(r["id"], r["access_level"]) for r in rows] == [(str(shared.id), "full")]


def test_outsider_sees_nothing_and_no_role_is_refused(personas: Any, client_for: Any) -> None:
    _open(personas.caseworker)
    body = client_for(personas.outsider).get(URL).json()
    assert body["count"] == 0 and body["results"] == []
    assert client_for(personas.nobody).get(URL).status_code == 403
    response = client_for(None).get(URL)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_filters(personas: Any, client_for: Any) -> None:
    urgent = _open(personas.caseworker, vulnerable=True)
    reviewed = _open(personas.supervisor)
    case_transition(acting_user=personas.supervisor, case_id=reviewed.id, transition="start_review")
    client = client_for(personas.caseworker)

    def ids(**params: Any) -> set[str]:
        response = client.get(URL, params)
        assert response.status_code == 200
        return {r["id"] for r in response.json()["results"]}

    assert ids(state="eligibility_review") == {str(reviewed.id)}
    assert ids(priority=1) == {str(urgent.id)}
    assert ids(assigned_to_me="true") == {str(urgent.id)}  # the supervisor's case is unassigned
    assert ids(reference=reviewed.reference) == {str(reviewed.id)}
    assert ids(overdue="true") == set()
    urgent.due_at = timezone.now() - timedelta(days=1)
    urgent.save(update_fields=["due_at"])
    assert ids(overdue="true") == {str(urgent.id)}


def test_invalid_filters_are_field_errors(personas: Any, client_for: Any) -> None:
    response = client_for(personas.caseworker).get(URL, {"state": "lost", "priority": "9"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == "Invalid input."
    assert set(body["errors"]) == {"state", "priority"}
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_name_search_restricts_the_list(personas: Any, client_for: Any) -> None:
    hassan = _open(personas.caseworker)
    other = _open(personas.caseworker, given="Grace", family="Wanjiru")
    _open(personas.outsider)  # same name, invisible
    client = client_for(personas.caseworker)
    rows = client.get(URL, {"q": "Hasan Mohamed"}).json()["results"]  # misspelt and swapped
    assert [r["id"] for r in rows] == [str(hassan.id)]
    rows = client.get(URL, {"q": "Wanjiru"}).json()["results"]
    assert [r["id"] for r in rows] == [str(other.id)]
    assert client.get(URL, {"q": "Nobody Known"}).json()["count"] == 0


def test_phone_search(personas: Any, client_for: Any) -> None:
    case = _open(personas.caseworker)
    rows = client_for(personas.caseworker).get(URL, {"q": "+31 6 12345678"}).json()["results"]
    assert [r["id"] for r in rows] == [str(case.id)]


def test_pages_of_fifty(personas: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CaseViewSet.pagination_class is CappedPagination and CappedPagination.page_size == 50
    for _n in range(3):
        _open(personas.caseworker)
    monkeypatch.setattr(CappedPagination, "page_size", 2)
    client = client_for(personas.caseworker)
    first = client.get(URL).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"].endswith("?page=2")
    assert first["count_capped"] is False
    second = client.get(URL, {"page": 2}).json()
    assert len(second["results"]) == 1
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_the_count_stops_at_the_cap_and_paging_goes_on(personas: Any, client_for: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import cases.selectors

    opened = {str(_open(personas.caseworker).id) for _n in range(4)}
    monkeypatch.setattr(cases.selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(CappedPagination, "page_size", 1)
    client = client_for(personas.caseworker)
    first = client.get(URL).json()
    # Two rows counted and one more found: "more than 2", and there is always a next page.
    assert first["count"] == 3 and first["count_capped"] is True and first["next"].endswith("?page=2")
    seen = {first["results"][0]["id"]}
    for number in (2, 3, 4):
        page = client.get(URL, {"page": number}).json()
        seen |= {r["id"] for r in page["results"]}
    # Asking for page 4 counts up to 4 rows: exact again, and the last page has no next.
    assert page["count"] == 4 and page["count_capped"] is False and page["next"] is None
    assert seen == opened
    assert client.get(URL, {"page": 5}).status_code == 404


def test_the_page_is_logged_without_plaintext(personas: Any, client_for: Any) -> None:
    cases = [_open(personas.caseworker) for _n in range(2)]
    client_for(personas.caseworker).get(URL)
    events = api_reads(personas.caseworker)
    assert len(events) == 1
    assert set(events[0].data["case_ids"]) == {str(c.id) for c in cases}
    assert set(events[0].person_ids) == {str(p.id) for c in cases for p in c.persons.filter(role="sought")}
    assert events[0].data["detail"] == {"rows": 2}
    assert_no_plaintext(events)


def _count_list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["caseworker", "partner_caseworker"])
def test_constant_number_of_queries(
    personas: Any, client_for: Any, django_assert_max_num_queries: Any, viewer: str
) -> None:
    client = client_for(getattr(personas, viewer))

    def add(n: int) -> None:
        for i in range(n):
            case = _open(personas.caseworker)
            share(case, personas, "full" if i % 2 else "search")

    add(3)
    with django_assert_max_num_queries(20):
        assert len(client.get(URL).json()["results"]) == 3
    few = _count_list_queries(client)
    add(27)
    with django_assert_max_num_queries(20):
        assert len(client.get(URL).json()["results"]) == 30
    assert _count_list_queries(client) == few
