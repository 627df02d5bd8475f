"""Registers (received lists) are searchable persons, not tracing cases."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_transition
from cases.selectors import case_list, person_search, state_counts
from tracing.exceptions import InvalidTransition, NotFound

pytestmark = pytest.mark.django_db


def test_register_is_left_out_of_the_case_list_and_the_counts(personas: Any, open_case: Any,
                                                               import_list: Any) -> None:
    batch = import_list(personas.supervisor)
    assert [c.pk for c in case_list(user=personas.supervisor)] == [open_case.pk]
    assert state_counts(user=personas.supervisor) == {"received": 1}
    assert batch.register.kind == "register"


def test_no_transition_on_a_register(personas: Any, import_list: Any) -> None:
    register = import_list(personas.supervisor).register
    for transition in ("start_review", "withdraw"):
        with pytest.raises(InvalidTransition):
            case_transition(acting_user=personas.supervisor, case_id=register.id, transition=transition)
    register.refresh_from_db()
    assert register.state == "received" and register.version == 1


def test_register_page_offers_no_workflow_step(personas: Any, import_list: Any, client: Any) -> None:
    register = import_list(personas.supervisor).register
    client.force_login(personas.supervisor)
    html = client.get(f"/cases/{register.id}/").content.decode()
    assert register.reference in html
    assert 'name="start_review-expected_version"' not in html and 'name="withdraw-expected_version"' not in html


def test_listed_persons_are_found_only_by_those_who_see_the_register(personas: Any, import_list: Any) -> None:
    import_list(personas.caseworker)
    assert [h.person.display_name for h in person_search(user=personas.supervisor, query="Hassan Abdi")] == [
        "Hassan Abdi"]
    assert person_search(user=personas.partner_supervisor, query="Hassan Abdi") == []
    assert person_search(user=personas.outsider, query="Hassan Abdi") == []


def test_a_user_who_cannot_see_the_register_gets_404(personas: Any, import_list: Any, client: Any) -> None:
    register = import_list(personas.caseworker).register
    with pytest.raises(NotFound):
        case_transition(acting_user=personas.outsider, case_id=register.id, transition="start_review")
    client.force_login(personas.outsider)
    assert client.get(f"/cases/{register.id}/").status_code == 404


def test_listed_persons_are_ready_for_matching(personas: Any, open_case: Any, import_list: Any) -> None:
    from matching.actions import match_person_run
    from matching.models import MatchProposal
    from tests.exchange.conftest import csv_bytes

    batch = import_list(personas.partner_supervisor, csv_bytes("Mohamed Abdi,Hassan,male,1988,SO,,Dadaab,KE"))
    listed = batch.register.persons.get()
    sought = open_case.persons.get(role="sought")
    match_person_run(person_id=sought.pk)
    proposal = MatchProposal.objects.get()
    assert {proposal.person_a_id, proposal.person_b_id} == {sought.pk, listed.pk}
