"""The case list: filters, 50 rows a page, constant queries, logged reads; name and phone search."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_open
from tests.factories import sample_case_data
from tests.web.conftest import access_events

pytestmark = pytest.mark.django_db


def _open(user: Any, n: int, **overrides: Any) -> list[Any]:
    return [case_open(acting_user=user, **sample_case_data(**overrides)) for _ in range(n)]


def test_list_shows_visible_cases_with_sought_names_only(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).get("/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    assert open_case.reference in html and "Mohammed Abdi Hassan" in html
    assert "Amina" not in html  # the enquirer is not listed
    events = access_events(personas.caseworker)
    assert events[-1].event_type == "access.view" and events[-1].data["case_ids"] == [str(open_case.id)]


def test_outsider_and_partner_without_share_see_nothing(client_for: Any, personas: Any, open_case: Any) -> None:
    for user in (personas.outsider, personas.partner_caseworker):
        html = client_for(user).get("/cases/").content.decode()
        assert open_case.reference not in html and "0 cases" in html


def test_partner_with_share_sees_the_case(client_for: Any, personas: Any, open_case: Any, share: Any) -> None:
    share(open_case)
    html = client_for(personas.partner_caseworker).get("/cases/").content.decode()
    assert open_case.reference in html


def test_filters_by_state_priority_mine_and_reference(client_for: Any, personas: Any, open_case: Any) -> None:
    urgent = case_open(acting_user=personas.supervisor, **sample_case_data(vulnerable=True))
    client = client_for(personas.caseworker)
    mine = client.get("/cases/", {"mine": "on"}).content.decode()
    assert open_case.reference in mine and urgent.reference not in mine
    by_priority = client.get("/cases/", {"priority": "1"}).content.decode()
    assert urgent.reference in by_priority and open_case.reference not in by_priority
    by_state = client.get("/cases/", {"state": "closed"}).content.decode()
    assert open_case.reference not in by_state and "0 cases" in by_state
    by_ref = client.get("/cases/", {"reference": urgent.reference}).content.decode()
    assert urgent.reference in by_ref and open_case.reference not in by_ref


def test_invalid_filter_is_shown_at_its_field(client_for: Any, personas: Any) -> None:
    html = client_for(personas.caseworker).get("/cases/", {"state": "nonsense"}).content.decode()
    assert 'id="id_state-error"' in html and 'aria-describedby="id_state-error"' in html


def test_paginates_fifty_rows(client_for: Any, personas: Any) -> None:
    _open(personas.caseworker, 51)
    client = client_for(personas.caseworker)
    first = client.get("/cases/").content.decode()
    second = client.get("/cases/", {"page": 2}).content.decode()
    assert first.count("<tr>") == 51 and second.count("<tr>") == 2  # header row + data rows
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert access_events(personas.caseworker)[-1].data["detail"] == {"rows": 1}


def test_constant_number_of_queries_whatever_the_rows(
    client_for: Any, personas: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(personas.caseworker)
    _open(personas.caseworker, 5)
    client.get("/cases/")  # warm per-process caches (unwrapped keys), as on any later request
    with django_assert_max_num_queries(50) as five:
        assert client.get("/cases/").content.decode().count("<tr>") == 6
    baseline = len(five.captured_queries)  # now: the log is reset by the next request
    _open(personas.caseworker, 25)
    client.get("/cases/")
    with django_assert_max_num_queries(baseline):
        html = client.get("/cases/").content.decode()
    assert html.count("<tr>") == 31


def test_name_search_shows_the_cases_of_the_hits(client_for: Any, personas: Any, open_case: Any) -> None:
    other = case_open(acting_user=personas.caseworker, **sample_case_data(sought=[
        {"names": [{"given_names": "Fatuma", "family_name": "Omar", "kind": "primary"}], "relationship": "parent"}]))
    client = client_for(personas.caseworker)
    response = client.post("/cases/search/", {"q": "Mohamed Hasan"})
    html = response.content.decode()
    assert response.status_code == 200
    assert open_case.reference in html and other.reference not in html
    kinds = [e.event_type for e in access_events(personas.caseworker)]
    assert kinds[-2:] == ["access.search", "access.view"]
    assert "Mohamed" not in str(access_events(personas.caseworker)[-2].data)  # only blind terms are logged


def test_phone_search_and_no_results_message(client_for: Any, personas: Any, open_case: Any) -> None:
    client = client_for(personas.caseworker)
    assert open_case.reference in client.post("/cases/search/", {"q": "+31 6 12345678"}).content.decode()
    assert "Nobody found" in client.post("/cases/search/", {"q": "Zzyzx Qwerty"}).content.decode()


def test_search_does_not_find_cases_of_other_offices(client_for: Any, personas: Any, open_case: Any) -> None:
    html = client_for(personas.outsider).post("/cases/search/", {"q": "Mohammed Hassan"}).content.decode()
    assert open_case.reference not in html and "Nobody found" in html


def test_search_form_validation(client_for: Any, personas: Any) -> None:
    html = client_for(personas.caseworker).post("/cases/search/", {"q": "x"}).content.decode()
    assert 'id="id_q-error"' in html and 'aria-invalid="true"' in html


def test_the_count_is_capped_and_paging_goes_on_past_the_cap(
    client_for: Any, personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large lists are counted only up to the cap ("More than N cases"), so the count never
    scans the whole office; the pager keeps offering the next page, and counts exactly again
    once the rest fits under the raised limit."""
    from cases import selectors, views

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    cases = _open(personas.caseworker, 4)
    client = client_for(personas.caseworker)
    first = client.get("/cases/").content.decode()
    assert "More than 2 cases" in first and "Page 1<" in first and 'rel="next"' in first
    assert first.count("<tr>") == 2
    third = client.get("/cases/", {"page": 3}).content.decode()
    assert "More than 3 cases" in third and 'rel="next"' in third and 'rel="prev"' in third
    last = client.get("/cases/", {"page": 4}).content.decode()
    assert "4 cases" in last and "More than" not in last and "Page 4 of 4" in last and 'rel="next"' not in last
    shown = {c.reference for c in cases if c.reference in first + third + last + client.get(
        "/cases/", {"page": 2}).content.decode()}
    assert len(shown) == 4


def test_small_lists_are_counted_exactly(client_for: Any, personas: Any) -> None:
    _open(personas.caseworker, 3)
    html = client_for(personas.caseworker).get("/cases/").content.decode()
    assert "3 cases" in html and "More than" not in html


def test_row_values_are_escaped(client_for: Any, personas: Any) -> None:
    """Rows are rendered in Python (cases.templatetags.ui.case_rows): names must still be escaped."""
    _open(personas.caseworker, 1, sought=[{"names": [{"given_names": "<b>Eve</b>", "family_name": "O'Neil & Co",
                                                      "kind": "primary"}], "relationship": "parent"}])
    html = client_for(personas.caseworker).get("/cases/").content.decode()
    assert "&lt;b&gt;Eve&lt;/b&gt; O&#x27;Neil &amp; Co" in html and "<b>Eve</b>" not in html
