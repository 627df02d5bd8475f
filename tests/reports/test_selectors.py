"""Dashboard numbers on the known fixture (tests/reports/conftest.py), office and network."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reports import selectors
from tests.reports.conftest import at
from tracing.exceptions import NotPermitted

pytestmark = pytest.mark.django_db

PERIOD = {"start": date(2025, 1, 1), "end": date(2025, 4, 1)}


def counts(table: selectors.Table) -> dict[str, Any]:
    return {r.key: r.count.display for r in table.rows} | {"total": table.total.display}


def test_office_numbers_are_exact(personas: Any, nl_cases: dict[str, Any]) -> None:
    scope = selectors.office_scope(personas.supervisor, **PERIOD)
    board = selectors.dashboard(personas.supervisor, scope)
    stages = counts(board.table("stages"))
    assert stages["received"] == "1" and stages["searching"] == "1" and stages["located"] == "1"
    assert stages["deceased"] == "1" and stages["consent_refused"] == "1" and stages["accepted"] == "0"
    assert stages["total"] == "5"
    assert counts(board.table("outcomes")) == {"located": "1", "reunited": "1", "refused_contact": "1",
                                               "not_found": "1", "deceased": "1", "ended_otherwise": "0",
                                               "total": "5"}
    assert counts(board.table("new_per_month")) == {"2025-01": "2", "2025-02": "2", "2025-03": "3", "total": "7"}
    assert counts(board.table("closed_per_month")) == {"2025-01": "0", "2025-02": "0", "2025-03": "2",
                                                       "total": "2"}
    medians = {m.key: (m.days, m.cases.display) for m in board.medians}
    assert medians == {"accepted_to_located": (4.0, "3"), "accepted_to_closed": (24.0, "2")}


def test_cause_and_period_filters(personas: Any, nl_cases: dict[str, Any]) -> None:
    conflict = selectors.dashboard(personas.supervisor,
                                   selectors.office_scope(personas.supervisor, cause="conflict", **PERIOD))
    assert counts(conflict.table("new_per_month")) == {"2025-01": "2", "2025-02": "1", "2025-03": "2", "total": "5"}
    assert counts(conflict.table("outcomes"))["total"] == "3"  # C located, E not found, G refused
    march = selectors.dashboard(personas.supervisor, selectors.office_scope(
        personas.supervisor, start=date(2025, 3, 1), end=date(2025, 4, 1)))
    assert counts(march.table("stages"))["total"] == "2"  # F deceased, G consent refused (E is closed)
    assert [r.key for r in march.table("new_per_month").rows] == ["2025-03"]


def test_office_view_counts_only_the_own_office(personas: Any, network_cases: Any) -> None:
    board = selectors.dashboard(personas.outsider, selectors.office_scope(personas.outsider, **PERIOD))
    assert all(t.total.display == "0" for t in board.tables)
    partner = selectors.dashboard(personas.partner_supervisor,
                                  selectors.office_scope(personas.partner_supervisor, **PERIOD))
    assert counts(partner.table("stages"))["received"] == "6" and counts(partner.table("stages"))["total"] == "6"


def test_restricted_caseworker_counts_only_assigned_cases(personas: Any, nl_cases: dict[str, Any]) -> None:
    personas.home.caseworkers_see_office_cases = False
    personas.home.save(update_fields=["caseworkers_see_office_cases"])
    case = nl_cases["A"]
    case.assigned_to = personas.caseworker
    case.save(update_fields=["assigned_to"])
    board = selectors.dashboard(personas.caseworker, selectors.office_scope(personas.caseworker, **PERIOD))
    assert counts(board.table("new_per_month"))["total"] == "1"


def test_network_view_suppresses_small_counts(personas: Any, network_cases: Any) -> None:
    board = selectors.dashboard(personas.supervisor, selectors.network_scope(personas.supervisor, **PERIOD))
    stages = board.table("stages")
    shown = counts(stages)
    # received 7 (NL 1 + KE 6); four stages of 1 each. Withholding received too leaves 11 withheld,
    # short of 4 + 3 + 5 = 12, so the total is withheld as well.
    assert shown["searching"] == shown["located"] == shown["deceased"] == shown["consent_refused"] == "<5"
    assert shown["received"] == "≥5" and shown["total"] == "≥5" and shown["accepted"] == "0"
    assert all(r.count.value is None for r in stages.rows if r.key != "accepted" and r.count.display != "0")
    news = counts(board.table("new_per_month"))
    # Feb 2 and Mar 3 are under 5; withholding Jan (8) too makes 13 ≥ 2 + 3 + 5: the total stays.
    assert news == {"2025-01": "≥5", "2025-02": "<5", "2025-03": "<5", "total": "13"}
    medians = {m.key: (m.days, m.cases.display) for m in board.medians}
    assert medians["accepted_to_closed"] == (None, "<5")  # a median of two cases is not shown


def test_network_office_filter(personas: Any, network_cases: Any) -> None:
    scope = selectors.network_scope(personas.auditor, office=personas.partner, **PERIOD)
    assert counts(selectors.dashboard(personas.auditor, scope).table("stages"))["received"] == "6"


def test_roles(personas: Any) -> None:
    for user in (personas.caseworker, personas.outsider, personas.admin, personas.nobody):
        with pytest.raises(NotPermitted):
            selectors.network_scope(user)
    for user in (personas.admin, personas.nobody):
        with pytest.raises(NotPermitted):
            selectors.office_scope(user)


def test_overdue_and_matches(personas: Any, nl_cases: dict[str, Any]) -> None:
    from matching.models import MatchProposal
    from tracing.network.actions import request_send

    case = nl_cases["B"]
    sought = case.persons.get(role="sought")
    req = request_send(acting_user=personas.supervisor, case_id=case.pk, to_office_id=personas.partner.pk,
                       sought_person_id=sought.pk, question="Q", due_date=date(2099, 1, 1), share_level="search")
    req.due_date, req.sent_at = date(2025, 3, 1), at(2, 1)
    req.save(update_fields=["due_date", "sent_at"])
    other = nl_cases["C"].persons.get(role="sought")
    a, b = sorted([sought, other], key=lambda p: p.pk)
    MatchProposal.objects.create(person_a=a, person_b=b, score=12.0, decision="likely", score_inputs_hash="h",
                                 state="confirmed", created_at=at(2, 2))
    board = selectors.dashboard(personas.supervisor, selectors.office_scope(personas.supervisor, **PERIOD))
    assert counts(board.table("overdue_requests")) == {"KE": "1", "total": "1"}
    assert counts(board.table("matches")) == {"proposed": "0", "confirmed": "1", "rejected": "0", "total": "1"}
    # The partner office's dashboard counts the requests it sent: none.
    partner = selectors.dashboard(personas.partner_supervisor, selectors.office_scope(personas.partner_supervisor))
    assert counts(partner.table("overdue_requests")) == {"total": "0"}


def test_registers_are_not_counted(personas: Any, nl_cases: dict[str, Any]) -> None:
    from tests.reports.conftest import make_case

    register = make_case(personas.supervisor, created=at(1, 15))
    register.kind = "register"
    register.save(update_fields=["kind"])
    board = selectors.dashboard(personas.supervisor, selectors.office_scope(personas.supervisor, **PERIOD))
    assert counts(board.table("new_per_month"))["2025-01"] == "2"
    assert counts(board.table("stages"))["received"] == "1"


def test_query_count_does_not_grow_with_cases(personas: Any, nl_cases: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.reports.conftest import build_nl

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.dashboard(personas.supervisor, selectors.network_scope(personas.supervisor, **PERIOD))
        return len(ctx.captured_queries)

    before = queries()
    build_nl(personas.supervisor)
    assert queries() == before <= 12


def test_month_series_with_one_bound(personas: Any, nl_cases: dict[str, Any]) -> None:
    only_end = selectors.dashboard(personas.supervisor, selectors.office_scope(personas.supervisor,
                                                                               end=date(2025, 3, 1)))
    keys = [r.key for r in only_end.table("new_per_month").rows]
    assert keys[0] == "2024-03" and keys[-1] == "2025-02" and len(keys) == 12
    assert counts(only_end.table("new_per_month"))["total"] == "4"  # A, B (Jan), C, D (Feb)
    only_start = selectors.dashboard(personas.supervisor, selectors.office_scope(personas.supervisor,
                                                                                 start=date(2025, 2, 1)))
    assert [r.key for r in only_start.table("new_per_month").rows][0] == "2025-02"
