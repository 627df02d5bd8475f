"""Two supervisors act on the same case at the same moment: one wins, the other gets a conflict.

Each supervisor runs in its own thread with its own PostgreSQL connection. Both enter the
action's transaction before either takes the row lock (a barrier), and the winner holds the
lock a moment longer, so the race is real: the loser waits on `select_for_update`, then
finds the version it was given is stale and changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client

from audit.models import AuditEvent
from cases.actions import case as case_actions
from cases.actions import case_assign, case_transition
from cases.models import Case
from tests.factories import staff
from tests.hardening.conftest import require_postgresql
from tracing.exceptions import Conflict
from tracing.models import Role

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads that meet inside the action; return each result or exception."""
    barrier = threading.Barrier(len(calls), timeout=30)
    original_access, original_check = case_actions.access_case, case_actions.check_version

    def access_together(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()  # every caller is inside its transaction, none holds the lock yet
        return original_access(*args, **kwargs)

    def check_slowly(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.3)  # hold the row lock while the other caller waits for it
        original_check(*args, **kwargs)

    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001  # the exception is the result under test
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    with mock.patch.object(case_actions, "access_case", access_together), \
            mock.patch.object(case_actions, "check_version", check_slowly):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return results


@pytest.fixture
def under_review(personas: Any, open_case: Any, purge_audit: None) -> Case:
    require_postgresql()
    case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="start_review")
    open_case.refresh_from_db()
    return open_case


def test_two_supervisors_transition_at_once(personas: Any, under_review: Case) -> None:
    second = staff("sup2", personas.home, Role.SUPERVISOR)
    version = under_review.version

    def accept(user: Any) -> Callable[[], Any]:
        return lambda: case_transition(acting_user=user, case_id=under_review.id, transition="accept",
                                       expected_version=version)

    results = _race([accept(personas.supervisor), accept(second)])
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    under_review.refresh_from_db()
    assert under_review.state == "accepted" and under_review.version == version + 1
    events = AuditEvent.objects.filter(event_type="case.transition", case_id=str(under_review.id),
                                       data__transition="accept")
    assert events.count() == 1


def test_two_supervisors_assign_at_once_through_the_api(personas: Any, under_review: Case) -> None:
    second = staff("sup2", personas.home, Role.SUPERVISOR)
    version = under_review.version
    url = f"/api/v1/cases/{under_review.id}/assign/"

    def assign(user: Any, assignee: Any) -> Callable[[], Any]:
        def call() -> Any:
            client = Client()
            client.force_login(user)
            return client.post(url, {"assigned_to": assignee.pk, "version": version},
                               content_type="application/json")
        return call

    responses = _race([assign(personas.supervisor, personas.caseworker), assign(second, personas.caseworker2)])
    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "conflict"
    winner = next(r for r in responses if r.status_code == 200)
    under_review.refresh_from_db()
    assert under_review.version == version + 1
    assert under_review.assigned_to_id == winner.json()["assigned_to"]
    assert AuditEvent.objects.filter(event_type="case.assigned", case_id=str(under_review.id)).count() == 1


def test_assign_with_the_same_version_one_after_the_other(personas: Any, under_review: Case) -> None:
    # The sequential case (no race) for comparison: the second caller's version is stale.
    version = under_review.version
    case_assign(acting_user=personas.supervisor, case_id=under_review.id, assignee_id=personas.caseworker.pk,
                expected_version=version)
    with pytest.raises(Conflict):
        case_assign(acting_user=personas.supervisor, case_id=under_review.id, assignee_id=personas.caseworker2.pk,
                    expected_version=version)
    under_review.refresh_from_db()
    assert under_review.assigned_to_id == personas.caseworker.pk
