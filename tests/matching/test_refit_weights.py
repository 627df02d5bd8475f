"""match_weights_refit and manage.py refit_match_weights: weights from reviewers' decisions."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from cases.actions import case_open
from cases.models import Person
from matching.actions import match_weights_refit
from matching.candidates import find_candidates
from matching.models import MatchProposal, MatchWeightSet, ProposalState
from matching.records_db import persons_for_records
from matching.scoring import load_weights
from matching.weights import active_weights, clear_weights_cache
from tests.matching.db_helpers import open_kenya_case, sought, stranger_case_data
from tracing.exceptions import NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_weights() -> Iterator[None]:
    # The process cache must not carry a refitted set into other tests.
    clear_weights_cache()
    yield
    clear_weights_cache()


def _decide(p1: Person, p2: Person, state: str) -> MatchProposal:
    a, b = sorted([p1.pk, p2.pk], key=str)
    return MatchProposal.objects.create(
        person_a_id=a, person_b_id=b, score=1.0, decision="possible", score_inputs_hash="x" * 64, state=state,
        decided_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def decisions(personas: Any, open_case: Any) -> dict[str, Any]:
    """Two confirmed pairs (the Somali man of both offices) and two rejected ones (strangers)."""
    home, kenya, kenya2 = sought(open_case), sought(open_kenya_case(personas)), sought(open_kenya_case(personas))
    stranger = sought(case_open(acting_user=personas.outsider, **stranger_case_data()))
    return {
        "confirmed": [_decide(home, kenya, ProposalState.CONFIRMED), _decide(home, kenya2, ProposalState.CONFIRMED)],
        "rejected": [_decide(home, stranger, ProposalState.REJECTED), _decide(kenya, stranger, ProposalState.REJECTED)],
        "open": _decide(kenya2, stranger, ProposalState.PROPOSED),  # undecided: not a label
        "home": home,
        "stranger": stranger,
    }


def test_refit_stores_weights_from_decisions_records_the_event_and_matching_uses_them(
    decisions: dict[str, Any], django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    weight_set = match_weights_refit(acting_user=admin, min_decisions=2)
    assert (weight_set.confirmed, weight_set.rejected) == (2, 2)
    assert weight_set.created_by == admin
    comparisons = weight_set.parameters["comparisons"]
    # Both confirmed pairs agree on birth place (Kismayo = Kismaayo), neither rejected pair does:
    # agreement is now far likelier among matches than the shipped u/m ratio says.
    place = comparisons["birth_place"]["agree"]
    assert place["m"] == pytest.approx(3 / 5)  # 2 agreements + 1 smoothing, of 2 pairs + 3 levels
    assert place["u"] == pytest.approx(1 / 5)
    assert weight_set.likely >= weight_set.possible
    event = AuditEvent.objects.get(event_type="match.weights_refitted")
    assert event.actor_id == admin.pk
    assert event.data == {
        "weight_set": str(weight_set.pk), "confirmed": 2, "rejected": 2,
        "likely": f"{weight_set.likely:.3f}", "possible": f"{weight_set.possible:.3f}",
    }  # fmt: skip
    clear_weights_cache()  # what the commit does
    weights = active_weights()
    assert (weights.likely, weights.possible) == (weight_set.likely, weight_set.possible)
    assert weights.m["birth_place"]["agree"] == pytest.approx(3 / 5)
    home = persons_for_records(Person.objects.filter(pk=decisions["home"].pk)).get()
    scored = find_candidates(home).scored
    assert scored and all(c.scored.score >= weight_set.possible for c in scored)


def test_too_few_decisions_refits_nothing(decisions: dict[str, Any]) -> None:
    decisions["rejected"][0].state = ProposalState.SUPERSEDED  # superseded: no longer a decision
    decisions["rejected"][0].save()
    with pytest.raises(ValidationFailed):
        match_weights_refit(min_decisions=2)
    assert not MatchWeightSet.objects.exists()
    assert not AuditEvent.objects.filter(event_type="match.weights_refitted").exists()
    assert active_weights().likely == load_weights().likely


def test_pairs_with_an_erased_person_are_left_out(decisions: dict[str, Any]) -> None:
    stranger = decisions["stranger"]
    stranger.erased_at = timezone.now()
    stranger.save(update_fields=["erased_at"])
    with pytest.raises(ValidationFailed):
        match_weights_refit(min_decisions=1)  # both rejected pairs had the stranger
    assert not MatchWeightSet.objects.exists()


def test_only_an_administrator_or_the_command_line_refits(personas: Any, decisions: dict[str, Any]) -> None:
    for user in (personas.supervisor, personas.admin, personas.caseworker):
        with pytest.raises(NotPermitted):
            match_weights_refit(acting_user=user, min_decisions=2)
    assert not MatchWeightSet.objects.exists()


def test_the_command_refits_and_reports(decisions: dict[str, Any]) -> None:
    out = StringIO()
    call_command("refit_match_weights", "--min-decisions", "2", stdout=out)
    weight_set = MatchWeightSet.objects.get()
    assert f"weight set {weight_set.pk}: 2 confirmed, 2 rejected" in out.getvalue()
    assert AuditEvent.objects.get(event_type="match.weights_refitted").actor_id is None
    with pytest.raises(CommandError, match="at least 3"):
        call_command("refit_match_weights", "--min-decisions", "3", stdout=StringIO())
    assert MatchWeightSet.objects.count() == 1
