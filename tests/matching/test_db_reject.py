"""match_proposal_reject: access, what is stored, the event; a rejection tells nobody."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from matching.actions import match_person_run, match_proposal_reject
from matching.models import MatchProposal, ProposalState
from tests.matching.db_helpers import Pair, make_pair, sought
from tracing.exceptions import NotFound, ValidationFailed
from tracing.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas: Any, open_case: Any) -> Pair:
    """Both cases shared at search level with the other office: both offices see both sides."""
    return make_pair(personas, open_case)


def test_a_partner_supervisor_rejects(personas: Any, pair: Pair) -> None:
    match_proposal_reject(acting_user=personas.partner_supervisor, proposal_id=pair.proposal.pk, reason="relative")
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.REJECTED
    assert pair.proposal.decided_by == personas.partner_supervisor and pair.proposal.reason == "relative"
    event = AuditEvent.objects.get(event_type="match.rejected")
    assert event.data["reason"] == "relative" and event.actor_id == personas.partner_supervisor.pk
    assert not OutboxMessage.objects.exists()
    # Re-running with nothing new leaves the rejection in place and proposes nothing.
    assert match_person_run(person_id=sought(pair.kenya).pk).created == []
    assert MatchProposal.objects.get().state == ProposalState.REJECTED


def test_a_confirmation_reason_is_refused(personas: Any, pair: Pair) -> None:
    with pytest.raises(ValidationFailed):
        match_proposal_reject(acting_user=personas.caseworker, proposal_id=pair.proposal.pk, reason="documents")


@pytest.mark.parametrize("who", ["outsider", "nobody", "admin"])
def test_users_who_cannot_see_both_sides_get_404(personas: Any, pair: Pair, who: str) -> None:
    with pytest.raises(NotFound):
        match_proposal_reject(
            acting_user=getattr(personas, who), proposal_id=pair.proposal.pk, reason="different_person"
        )
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.PROPOSED
    assert not AuditEvent.objects.filter(event_type="match.rejected").exists()


def test_an_unknown_id_is_404(personas: Any, pair: Pair) -> None:
    with pytest.raises(NotFound):
        match_proposal_reject(acting_user=personas.caseworker, proposal_id="not-a-uuid", reason="different_person")
