"""The hook in person_create / person_update: matching is scheduled after commit, never before."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from cases.actions import case_open, person_update
from matching.models import MatchProposal
from tests.matching.db_helpers import kenya_case_data, open_kenya_case, pair_proposals, sought

pytestmark = pytest.mark.django_db


def test_opening_a_case_schedules_matching_of_each_person_after_commit(
    personas: Any, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("matching.tasks.match_person.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            kenya = case_open(acting_user=personas.partner_caseworker, **kenya_case_data())
        assert delay.call_count == 0  # nothing before commit
        for callback in callbacks:
            callback()
    scheduled = sorted(call.args[0] for call in delay.call_args_list)
    assert scheduled == sorted(str(p.pk) for p in kenya.persons.all())


def test_the_committed_callback_runs_matching(
    personas: Any, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        kenya = case_open(acting_user=personas.partner_caseworker, **kenya_case_data())
    assert pair_proposals(sought(open_case), sought(kenya)).get().decision == "likely"


def test_an_update_schedules_matching_only_when_something_changed(
    personas: Any, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kenya = open_kenya_case(personas)
    person = sought(kenya)
    with mock.patch("matching.tasks.match_person.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            person_update(acting_user=personas.partner_caseworker, person_id=person.pk, data={"birth_place": "Kismayo"})
        with django_capture_on_commit_callbacks(execute=True):
            person_update(acting_user=personas.partner_caseworker, person_id=person.pk, data={"birth_place": "Kismayo"})
    assert [c.args[0] for c in delay.call_args_list] == [str(person.pk)]
    assert not MatchProposal.objects.exists()  # the task was replaced by the mock


def test_a_broker_outage_does_not_fail_the_write(
    personas: Any, open_case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("matching.tasks.match_person.delay", side_effect=OSError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            kenya = open_kenya_case(personas)
    assert kenya.persons.count() == 2
    assert not MatchProposal.objects.exists()
