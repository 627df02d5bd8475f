"""match_proposal_confirm: who may confirm, what is stored, the event and the notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEvent
from matching.actions import match_proposal_confirm
from matching.models import ProposalState
from tests.factories import staff
from tests.matching.db_helpers import Pair, make_pair
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas: Any, open_case: Any) -> Pair:
    """Both cases shared at search level with the other office: both offices see both sides."""
    return make_pair(personas, open_case)


def test_a_caseworker_of_one_side_confirms_and_the_other_side_is_told(
    personas: Any, pair: Pair, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        match_proposal_confirm(acting_user=personas.caseworker, proposal_id=pair.proposal.pk, reason="details_agree")
    proposal = pair.proposal
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.CONFIRMED
    assert proposal.decided_by == personas.caseworker and proposal.decided_at is not None
    assert proposal.reason == "details_agree" and proposal.data_key_id is None
    assert proposal.history.count() == 2
    event = AuditEvent.objects.get(event_type="match.confirmed")
    assert event.actor_id == personas.caseworker.pk
    assert sorted(event.person_ids) == sorted([str(proposal.person_a_id), str(proposal.person_b_id)])
    assert event.data["proposal"] == str(proposal.pk)
    # The Kenyan case's caseworker is told; the home caseworker decided and is not.
    message = OutboxMessage.objects.get(kind="match.confirmed")
    assert message.to_user == personas.partner_caseworker and message.case_id == pair.kenya.pk
    assert message.status == OutboxMessage.Status.PENDING
    assert pair.kenya.reference in message.subject and "Maxamed" not in message.body
    assert len(callbacks) == 1  # its delivery is scheduled after commit


def test_a_reason_detail_is_sealed_under_its_own_key(personas: Any, pair: Pair) -> None:
    match_proposal_confirm(
        acting_user=personas.partner_caseworker,
        proposal_id=pair.proposal.pk,
        reason="other",
        detail="Brother recognised the photo",
    )
    proposal = type(pair.proposal).objects.get(pk=pair.proposal.pk)
    assert proposal.data_key_id is not None and proposal.reason_detail == "Brother recognised the photo"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason_detail FROM matching_matchproposal WHERE id = %s",
            [proposal.pk.hex if connection.vendor == "sqlite" else str(proposal.pk)],
        )
        assert "Brother" not in cursor.fetchone()[0]
    # The Kenyan caseworker decided: only the home case's caseworker is told.
    assert list(OutboxMessage.objects.values_list("to_user", flat=True)) == [personas.caseworker.pk]


def test_other_needs_a_detail_and_a_rejection_reason_is_refused(personas: Any, pair: Pair) -> None:
    with pytest.raises(ValidationFailed):
        match_proposal_confirm(acting_user=personas.caseworker, proposal_id=pair.proposal.pk, reason="other")
    with pytest.raises(ValidationFailed):
        match_proposal_confirm(acting_user=personas.caseworker, proposal_id=pair.proposal.pk, reason="different_person")
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.PROPOSED
    assert not AuditEvent.objects.filter(event_type="match.confirmed").exists()


def test_a_decided_proposal_is_not_decided_again(personas: Any, pair: Pair) -> None:
    match_proposal_confirm(acting_user=personas.caseworker, proposal_id=pair.proposal.pk, reason="documents")
    with pytest.raises(InvalidTransition):
        match_proposal_confirm(acting_user=personas.supervisor, proposal_id=pair.proposal.pk, reason="documents")


@pytest.mark.parametrize("who", ["outsider", "nobody", "admin", "auditor"])
def test_users_who_cannot_see_both_sides_get_404(personas: Any, pair: Pair, who: str) -> None:
    with pytest.raises(NotFound):
        match_proposal_confirm(acting_user=getattr(personas, who), proposal_id=pair.proposal.pk, reason="details_agree")
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.PROPOSED


def test_seeing_both_sides_without_editing_either_is_403(personas: Any, pair: Pair) -> None:
    network_auditor = staff("net_aud", personas.home, Role.AUDITOR, network_wide=True)
    with pytest.raises(NotPermitted):
        match_proposal_confirm(acting_user=network_auditor, proposal_id=pair.proposal.pk, reason="details_agree")
    assert not AuditEvent.objects.filter(event_type="match.confirmed").exists()


def test_a_caseworker_who_sees_only_one_side_cannot_find_it(personas: Any, open_case: Any) -> None:
    one_sided = make_pair(personas, open_case, share_kenya=None)  # the Kenyan case is not shared with NL
    with pytest.raises(NotFound):
        match_proposal_confirm(
            acting_user=personas.caseworker, proposal_id=one_sided.proposal.pk, reason="details_agree"
        )
    # The Kenyan caseworker sees both (the home case is shared with Kenya) and may decide.
    match_proposal_confirm(
        acting_user=personas.partner_caseworker, proposal_id=one_sided.proposal.pk, reason="details_agree"
    )
