"""Reads of match proposals. Every one starts from `visible(user, MatchProposal)`: a proposal is
shown only when the viewer may see *both* persons, and each side's values only as far as the
policy's `person_fields(level, role)` allows for that side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from audit.access import log_access
from cases.models import Person
from matching.explain import SOURCE_FIELDS
from matching.models import MatchProposal, ProposalState
from matching.records import PersonRecord
from matching.records_db import SCORED_POLICY_FIELDS, person_record, persons_for_records, record_fields
from tracing.permissions import Actor, Level, actor_for, can, case_levels, person_fields, persons_with_fields, visible

NAME_FIELDS = frozenset({"given_names", "family_name", "other_names"})


def reviewable_persons(user: Any, actor: Actor) -> QuerySet[Person]:
    """Persons whose names the user may see (the policy decides; see persons_with_fields)."""
    return persons_with_fields(user, actor)


def proposals_visible(user: Any, actor: Actor | None = None) -> QuerySet[MatchProposal]:
    """The visibility rule of MatchProposal (registered in matching.models): both sides visible."""
    actor = actor or actor_for(user)
    if actor is None:
        return MatchProposal.objects.none()
    persons = reviewable_persons(user, actor).values("pk")
    return MatchProposal.objects.filter(person_a__in=persons, person_b__in=persons)


def proposal_list(
    *, user: Any, state: str | None = ProposalState.PROPOSED, case_id: Any = None, decision: str | None = None
) -> QuerySet[MatchProposal]:
    """Proposals the user may see, newest first; optionally those touching one case."""
    qs = visible(user, MatchProposal).select_related(
        "person_a__case__office", "person_a__data_key", "person_b__case__office", "person_b__data_key", "decided_by"
    )
    if state:
        qs = qs.filter(state=state)
    if decision:
        qs = qs.filter(decision=decision)
    if case_id is not None:
        qs = qs.filter(Q(person_a__case_id=case_id) | Q(person_b__case_id=case_id))
    return qs.order_by("-score", "-created_at", "pk")


def can_decide(user: Any, proposal: MatchProposal) -> bool:
    """Caseworkers and supervisors who may edit the case of either side decide an open proposal."""
    actor = actor_for(user)
    if actor is None or not actor.works_cases or proposal.state != ProposalState.PROPOSED:
        return False
    return can(user, "case.edit", proposal.person_a.case) or can(user, "case.edit", proposal.person_b.case)


@dataclass
class Side:
    person: Person
    level: int
    fields: frozenset[str]  # PersonRecord fields the viewer may see
    record: PersonRecord | None = None

    @property
    def name(self) -> str:
        # display_name is among the policy fields of every reviewable person.
        return self.person.display_name or ""


@dataclass
class Row:
    comparison: str
    status: str
    level: str
    weight: float
    left: str | None
    right: str | None


@dataclass
class ProposalView:
    proposal: MatchProposal
    a: Side
    b: Side
    rows: list[Row] = field(default_factory=list)
    can_decide: bool = False


def _side(person: Person, level: int) -> Side:
    return Side(person=person, level=level, fields=record_fields(person_fields(level, person.role)))


def _shown(record: PersonRecord | None, comparison: str, allowed: frozenset[str]) -> str | None:
    if record is None or not set(SOURCE_FIELDS[comparison]) <= allowed:
        return None
    if comparison == "name":
        return " / ".join(n for n in (record.full_name, record.other_names) if n) or ""
    return getattr(record, SOURCE_FIELDS[comparison][0]) or ""


def proposal_views(*, user: Any, proposals: list[MatchProposal], with_values: bool = False) -> list[ProposalView]:
    """Per proposal, both sides and the explanation rows.

    with_values: decrypt each side's compared values — only the fields the viewer may see on
    that side; the list shows statuses and weights and decrypts nothing but display names.
    """
    cases = {p.person_a.case.pk: p.person_a.case for p in proposals} | {
        p.person_b.case.pk: p.person_b.case for p in proposals
    }
    levels = case_levels(user, list(cases.values()))
    decrypted: dict[Any, PersonRecord] = {}
    if with_values:
        ids = [p.person_a_id for p in proposals] + [p.person_b_id for p in proposals]
        for person in persons_for_records(Person.objects.filter(pk__in=ids)):
            allowed = person_fields(levels.get(person.case_id, Level.NONE), person.role) & SCORED_POLICY_FIELDS
            decrypted[person.pk] = person_record(person, allowed)
    views = []
    for proposal in proposals:
        a = _side(proposal.person_a, levels.get(proposal.person_a.case_id, Level.NONE))
        b = _side(proposal.person_b, levels.get(proposal.person_b.case_id, Level.NONE))
        a.record, b.record = decrypted.get(a.person.pk), decrypted.get(b.person.pk)
        rows = [
            Row(
                comparison=f["comparison"],
                status=f["status"],
                level=f["level"],
                weight=f["weight"],
                left=_shown(a.record, f["comparison"], a.fields),
                right=_shown(b.record, f["comparison"], b.fields),
            )
            for f in proposal.explanation.get("fields", [])
        ]
        views.append(ProposalView(proposal=proposal, a=a, b=b, rows=rows, can_decide=can_decide(user, proposal)))
    return views


def log_proposal_read(*, user: Any, proposals: list[MatchProposal], kind: str = "view") -> None:
    """Proposals show names (and on the detail page compared values) of both sides: log them."""
    if proposals:
        log_access(
            user=user,
            kind=kind,
            case_ids=[c for p in proposals for c in (p.person_a.case_id, p.person_b.case_id)],
            person_ids=[i for p in proposals for i in (p.person_a_id, p.person_b_id)],
            detail={"match_proposals": len(proposals)},
        )


def access_proposal(user: Any, proposal_id: Any) -> MatchProposal:
    """One proposal the user may see, or NotFound (an invisible one does not exist for them)."""
    from django.core.exceptions import ValidationError

    from tracing.exceptions import NotFound

    try:
        return proposal_list(user=user, state=None).get(pk=proposal_id)
    except (MatchProposal.DoesNotExist, ValidationError, ValueError) as exc:
        raise NotFound("No such match proposal.") from exc
