"""match_person_run / the match_person task: candidates through the blind indexes across offices."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import case_open, person_update
from matching.actions import match_person_run
from matching.models import MatchProposal, ProposalState
from matching.tasks import match_person
from tests.matching.db_helpers import open_kenya_case, pair_proposals, sought, stranger_case_data

pytestmark = pytest.mark.django_db


def test_the_task_proposes_the_same_man_across_offices_as_likely(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    created = match_person.delay(str(sought(open_case).pk)).get()
    assert created == 1
    proposal = pair_proposals(sought(open_case), sought(kenya)).get()
    assert proposal.state == ProposalState.PROPOSED
    assert proposal.decision == "likely"
    assert proposal.score > 5
    statuses = {f["comparison"]: f["status"] for f in proposal.explanation["fields"]}
    assert statuses["name"] == "agree" and statuses["birth_place"] == "agree"
    # Field names, statuses, levels and weights only: no value is stored.
    assert all(set(f) == {"comparison", "status", "level", "weight"} for f in proposal.explanation["fields"])
    event = AuditEvent.objects.get(event_type="match.proposals_updated")
    assert event.data["created"] == [str(proposal.pk)]
    assert event.actor_id is None


def test_a_clearly_different_person_is_not_proposed(personas: Any, open_case: Any) -> None:
    other = case_open(acting_user=personas.partner_caseworker, **stranger_case_data())
    result = match_person_run(person_id=sought(other).pk)
    assert result.created == []
    assert not MatchProposal.objects.exists()


def test_persons_of_the_same_case_are_never_paired(personas: Any, open_case: Any) -> None:
    match_person_run(person_id=sought(open_case).pk)
    assert not MatchProposal.objects.filter(person_a__case=open_case, person_b__case=open_case).exists()


def test_running_again_creates_nothing(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    first = match_person_run(person_id=sought(open_case).pk)
    events = AuditEvent.objects.filter(event_type="match.proposals_updated").count()
    again = match_person_run(person_id=sought(open_case).pk)
    from_other_side = match_person_run(person_id=sought(kenya).pk)
    assert len(first.created) == 1
    assert again.created == [] and again.superseded == [] and again.unchanged == 1
    assert from_other_side.created == []
    assert MatchProposal.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="match.proposals_updated").count() == events


def test_a_rejected_pair_returns_only_when_its_score_inputs_change(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    match_person_run(person_id=sought(open_case).pk)
    proposal = pair_proposals(sought(open_case), sought(kenya)).get()
    proposal.state = ProposalState.REJECTED
    proposal.save()
    assert match_person_run(person_id=sought(kenya).pk).created == []
    # A change that leaves every comparison level as it was: still rejected, nothing new.
    person_update(
        acting_user=personas.partner_caseworker,
        person_id=sought(kenya).pk,
        data={"description": "Tall, scar on the left hand"},
    )
    assert match_person_run(person_id=sought(kenya).pk).created == []
    # A father's name on both sides is new information: a new proposal, the old one superseded.
    person_update(
        acting_user=personas.partner_caseworker, person_id=sought(kenya).pk, data={"father_name": "Cabdi Xasan"}
    )
    person_update(acting_user=personas.caseworker, person_id=sought(open_case).pk, data={"father_name": "Abdi Hassan"})
    result = match_person_run(person_id=sought(kenya).pk)
    assert len(result.created) == 1
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUPERSEDED
    assert str(proposal.superseded_by_id) == result.created[0]
    new = MatchProposal.objects.get(pk=result.created[0])
    assert new.state == ProposalState.PROPOSED
    assert {f["comparison"]: f["status"] for f in new.explanation["fields"]}["father_name"] == "agree"
    assert pair_proposals(sought(open_case), sought(kenya)).count() == 2


def test_an_open_proposal_that_no_longer_scores_is_superseded(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    match_person_run(person_id=sought(open_case).pk)
    person_update(
        acting_user=personas.partner_caseworker,
        person_id=sought(kenya).pk,
        data={
            "names": [{"given_names": "Tesfaye", "family_name": "Gebremichael", "kind": "primary"}],
            "birth_date": "1950",
            "birth_place": "Asmara",
            "sex": "female",
            "places": [],
        },
    )
    result = match_person_run(person_id=sought(open_case).pk)
    assert result.created == [] and len(result.superseded) == 1
    assert pair_proposals(sought(open_case), sought(kenya)).get().state == ProposalState.SUPERSEDED


def test_a_persons_live_proposals_are_found_on_either_side_of_the_pair(personas: Any, open_case: Any) -> None:
    from matching.actions import _live_proposals

    home = sought(open_case)
    others = [sought(open_kenya_case(personas)) for _ in range(3)]
    ids = {}
    for other, state in zip(others, (ProposalState.PROPOSED, ProposalState.REJECTED, ProposalState.SUPERSEDED),
                            strict=True):
        a, b = sorted([home.pk, other.pk], key=str)
        ids[state] = MatchProposal.objects.create(person_a_id=a, person_b_id=b, score=9.0, decision="likely",
                                                  score_inputs_hash="x", state=state).pk
    live = _live_proposals(home.pk)
    assert {p.pk for p in live} == {ids[ProposalState.PROPOSED], ids[ProposalState.REJECTED]}
    assert [p.pk for p in _live_proposals(home.pk, state=ProposalState.PROPOSED)] == [ids[ProposalState.PROPOSED]]
    assert {p.pk for p in _live_proposals(home.pk, lock=True)} == {p.pk for p in live}
    # Each pair seen from its other person: one of the two is person_a, the other person_b.
    for other, state in zip(others, ids, strict=True):
        expected = [] if state == ProposalState.SUPERSEDED else [ids[state]]
        assert [p.pk for p in _live_proposals(other.pk)] == expected
        assert [p.pk for p in _live_proposals(other.pk, lock=True)] == expected
