"""Writes of matching: running the engine for a person (a system process) and a reviewer's
decision on a proposal. Views, API and tasks call these and nothing else."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.models import Case, Person, PersonRole
from matching.candidates import CANDIDATE_LIMIT, ScoredCandidate, find_candidates
from matching.explain import explain
from matching.models import (
    CONFIRM_REASONS,
    REJECT_REASONS,
    DecisionReason,
    MatchProposal,
    MatchWeightSet,
    ProposalState,
)
from matching.records_db import person_record, persons_for_records
from matching.scoring import ScoredPair, estimate_weights
from matching.selectors import can_decide
from matching.weights import clear_weights_cache
from tracing.crypto.datakeys import data_key_create
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.outbox import outbox_enqueue
from tracing.permissions import visible

HASH_VERSION = "levels-v1"


def score_inputs_hash(scored: ScoredPair) -> str:
    """sha256 of the comparison levels: what the score is computed from, without any value.

    New information that changes no level (a phone added where the other side has none)
    changes nothing the score depends on, so a rejected pair stays rejected.
    """
    payload = json.dumps([HASH_VERSION, sorted(scored.levels.items())], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def stored_explanation(scored: ScoredPair) -> dict[str, Any]:
    """The explanation without values (nothing plaintext is stored with a proposal)."""
    explanation = explain(scored, _EMPTY, _EMPTY, visible_fields=())
    return {
        "score": explanation.score,
        "decision": explanation.decision,
        "fields": [
            {"comparison": f.comparison, "status": f.status, "level": f.level, "weight": f.weight}
            for f in explanation.fields
        ],
    }


class _Empty:
    # explain() reads record values only for visible fields; with none visible it reads nothing.
    id = ""


_EMPTY: Any = _Empty()


@dataclass
class MatchRunResult:
    person_id: str
    candidates: int = 0
    created: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    unchanged: int = 0


def _pair(person_id: Any, other_id: Any) -> tuple[str, str]:
    a, b = sorted((str(person_id), str(other_id)))
    return a, b


def _proposal(a: str, b: str, scored: ScoredPair, now: Any) -> MatchProposal:
    return MatchProposal(
        person_a_id=a,
        person_b_id=b,
        score=scored.score,
        decision=scored.decision,
        explanation=stored_explanation(scored),
        score_inputs_hash=score_inputs_hash(scored),
        created_at=now,
    )


def _insert_proposals(proposals: list[MatchProposal]) -> set[str]:
    """Insert new proposals and their creation history rows in one statement each; returns
    the ids actually inserted.

    A concurrent run for the other person of a pair may have created it first: the unique
    constraint (one live proposal per pair) then makes the insert skip that row (ON CONFLICT
    DO NOTHING) instead of failing the whole batch, and it gets no history row.
    """
    if not proposals:
        return set()
    MatchProposal.objects.bulk_create(proposals, ignore_conflicts=True)
    inserted = {
        str(pk) for pk in MatchProposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("pk", flat=True)
    }
    if inserted:
        # The rows save() would have written ("+", no user: a system process), in one INSERT.
        MatchProposal.history.bulk_history_create([p for p in proposals if str(p.pk) in inserted])
    return inserted


def _live_proposals(person_id: Any, *, state: str | None = None, lock: bool = False) -> list[MatchProposal]:
    """The person's proposals that are not superseded (of `state` only, if given), locked if asked.

    One query per side of the pair, each on the person's own index, and `state` filtered
    here: with `person_a = x OR person_b = x`, or with `state = 'proposed'` in the query,
    PostgreSQL planned a scan of every open proposal on the `state` index while the table's
    statistics lagged behind its growth (19 ms, then 8 ms a run at 75,000–330,000 proposals,
    growing with them; docs/matching.md, Phase 5). A person has a few dozen proposals at most.
    """
    found: list[MatchProposal] = []
    for side in ("person_a_id", "person_b_id"):
        qs = MatchProposal.objects.filter(**{side: person_id}).exclude(state=ProposalState.SUPERSEDED).order_by()
        found += qs.select_for_update() if lock else qs.only("person_a", "person_b", "state")
    return [p for p in found if state is None or p.state == state]


def match_person_run(*, person_id: Any, limit: int = CANDIDATE_LIMIT) -> MatchRunResult:
    """Find and store proposals for one person against every office (system process, no user).

    Idempotent: a pair whose score inputs are unchanged is left as it is, whatever its state.
    Changed inputs supersede an open or rejected proposal with a new one (a confirmed link is
    kept); an open proposal that no longer reaches `possible` is superseded without successor.
    Pairs are proposed only when at least one side is a sought person. The new proposals go
    in with one INSERT and their history with one more (not a savepoint, INSERT and history
    INSERT each); superseded proposals, rare, are saved one by one; one audit event per run.
    """
    result = MatchRunResult(person_id=str(person_id))
    person = persons_for_records(Person.objects.filter(pk=person_id, erased_at__isnull=True)).first()
    if person is None:
        return result
    open_partners = [
        p.person_b_id if p.person_a_id == person.pk else p.person_a_id
        for p in _live_proposals(person.pk, state=ProposalState.PROPOSED)
    ]
    # Decrypting and scoring happen outside the transaction: no row is locked meanwhile.
    found = find_candidates(person, limit=limit, extra_ids=open_partners)
    result.candidates = found.timing.candidates
    scored: dict[str, ScoredCandidate] = {
        c.person_id: c for c in found.scored if PersonRole.SOUGHT in (person.role, c.role)
    }
    with transaction.atomic():
        live = {}
        for proposal in _live_proposals(person.pk, lock=True):
            live[str(proposal.person_b_id if proposal.person_a_id == person.pk else proposal.person_a_id)] = proposal
        now = timezone.now()
        new: list[MatchProposal] = []
        replaced: dict[str, MatchProposal] = {}  # new proposal id -> the proposal it supersedes
        for other_id, cand in scored.items():
            old = live.get(other_id)
            digest = score_inputs_hash(cand.scored)
            if old is not None and (old.score_inputs_hash == digest or old.state == ProposalState.CONFIRMED):
                result.unchanged += 1
                continue
            proposal = _proposal(*_pair(person.pk, other_id), cand.scored, now)
            new.append(proposal)
            if old is not None:
                # Superseded before the insert: the unique constraint counts live proposals only.
                old.state = ProposalState.SUPERSEDED
                old.save(update_fields=["state"])
                result.superseded.append(str(old.pk))
                replaced[str(proposal.pk)] = old
        for other_id, old in live.items():
            if other_id not in scored and old.state == ProposalState.PROPOSED:
                old.state = ProposalState.SUPERSEDED  # no longer scores as a match (or the other side was erased)
                old.save(update_fields=["state"])
                result.superseded.append(str(old.pk))
        inserted = _insert_proposals(new)
        result.created = [str(p.pk) for p in new if str(p.pk) in inserted]
        for new_id in result.created:
            if new_id in replaced:
                replaced[new_id].superseded_by_id = new_id
                replaced[new_id].save(update_fields=["superseded_by"])
        if result.created or result.superseded:
            record_event(
                event_type="match.proposals_updated",
                actor=None,
                office=person.case.office,
                case_id=person.case_id,
                person_ids=[person.pk],
                data={"created": result.created, "superseded": result.superseded, "candidates": result.candidates},
            )
    return result


def _lock_for_decision(acting_user: Any, proposal_id: Any) -> MatchProposal:
    try:
        proposal = (
            visible(acting_user, MatchProposal)
            .select_for_update(of=("self",))
            .select_related("person_a__case__office", "person_b__case__office")
            .get(pk=uuid.UUID(str(proposal_id)))
        )
    except (MatchProposal.DoesNotExist, ValueError) as exc:
        raise NotFound(_("No such match proposal.")) from exc
    if proposal.state != ProposalState.PROPOSED:
        raise InvalidTransition(_("This proposal was already decided or replaced."))
    if not can_decide(acting_user, proposal):
        raise NotPermitted(_("Only caseworkers and supervisors who may edit one of the two cases decide."))
    return proposal


def _decide(
    proposal: MatchProposal,
    *,
    acting_user: Any,
    state: str,
    reason: str,
    detail: str,
    allowed: tuple[DecisionReason, ...],
) -> None:
    if reason not in allowed:
        raise ValidationFailed(_("Choose a reason."), field_errors={"reason": [_("Choose a reason.")]})
    detail = (detail or "").strip()
    if reason == DecisionReason.OTHER and not detail:
        raise ValidationFailed(_("Explain the reason."), field_errors={"detail": [_("Required for “Other”.")]})
    if len(detail) > 1000:
        raise ValidationFailed(_("At most 1000 characters."), field_errors={"detail": [_("Too long.")]})
    proposal.state, proposal.reason = state, reason
    proposal.decided_by, proposal.decided_at = acting_user, timezone.now()
    fields = ["state", "reason", "decided_by", "decided_at"]
    if detail:
        proposal.data_key = data_key_create(purpose="match")
        proposal.reason_detail = detail
        fields += ["data_key", "reason_detail"]
    proposal.save(update_fields=fields)


def _event(proposal: MatchProposal, acting_user: Any, event_type: str) -> None:
    case_a, case_b = proposal.person_a.case, proposal.person_b.case
    record_event(
        event_type=event_type,
        actor=acting_user,
        office=case_a.office,
        case_id=case_a.pk,
        person_ids=[proposal.person_a_id, proposal.person_b_id],
        data={
            "proposal": str(proposal.pk),
            "reason": proposal.reason,
            "decision": proposal.decision,
            "cases": [str(case_a.pk), str(case_b.pk)],
            "detail_given": bool(proposal.data_key_id),
        },
    )


def _notify_confirmed(proposal: MatchProposal, acting_user: Any) -> None:
    """Tell the assigned caseworker of each case (not the person who decided). No names:
    the message says which case, the proposal page shows the rest to whoever may see it."""
    for case in {
        proposal.person_a.case.pk: proposal.person_a.case,
        proposal.person_b.case.pk: proposal.person_b.case,
    }.values():
        if not case.assigned_to_id or case.assigned_to_id == acting_user.pk:
            continue
        outbox_enqueue(
            key=f"match:{proposal.pk}:confirmed:{case.pk}",
            kind="match.confirmed",
            data_key=case.data_key,
            to_user=case.assigned_to,
            case_id=case.pk,
            subject=_("Case %(ref)s: a match was confirmed") % {"ref": case.reference},
            body=_(
                "A person of case %(ref)s was confirmed to be the same person as a record of another case. "
                "Open the case's match proposals to review it."
            )
            % {"ref": case.reference},
        )


@transaction.atomic
def match_proposal_confirm(*, acting_user: Any, proposal_id: Any, reason: str, detail: str = "") -> MatchProposal:
    """Confirm: the two records are one person. The confirmed proposal is the link."""
    proposal = _lock_for_decision(acting_user, proposal_id)
    _decide(
        proposal,
        acting_user=acting_user,
        state=ProposalState.CONFIRMED,
        reason=reason,
        detail=detail,
        allowed=CONFIRM_REASONS,
    )
    _event(proposal, acting_user, "match.confirmed")
    _notify_confirmed(proposal, acting_user)
    return proposal


@transaction.atomic
def match_proposal_reject(*, acting_user: Any, proposal_id: Any, reason: str, detail: str = "") -> MatchProposal:
    """Reject: different persons. Not proposed again unless new information changes the score."""
    proposal = _lock_for_decision(acting_user, proposal_id)
    _decide(
        proposal,
        acting_user=acting_user,
        state=ProposalState.REJECTED,
        reason=reason,
        detail=detail,
        allowed=REJECT_REASONS,
    )
    _event(proposal, acting_user, "match.rejected")
    return proposal


@transaction.atomic
def match_case_request(*, acting_user: Any, case_id: Any) -> list[str]:
    """ "Find matches" on a case: schedule matching of its persons after commit."""
    from matching.hooks import schedule_person_matching

    case: Case = access_case(acting_user, case_id, action="case.edit")
    person_ids = [str(pk) for pk in case.persons.filter(erased_at__isnull=True).values_list("pk", flat=True)]
    for person_id in person_ids:
        schedule_person_matching(person_id)
    record_event(
        event_type="match.requested",
        actor=acting_user,
        office=case.office,
        case_id=case.pk,
        person_ids=person_ids,
        data={"persons": len(person_ids)},
    )
    return person_ids


#: Decisions of each kind a refit needs: with fewer, the weights would swing on a few cases.
MIN_REFIT_DECISIONS = 20


@transaction.atomic
def match_weights_refit(*, acting_user: Any | None = None, min_decisions: int = MIN_REFIT_DECISIONS) -> MatchWeightSet:
    """Refit the m/u weights and both thresholds from reviewers' decisions.

    Security entry point for an operator (manage.py refit_match_weights; acting_user None is
    the command line): it decrypts the persons of every decided proposal to compare them, as
    matching does, and stores only probabilities and counts. Confirmed proposals are true
    pairs, rejected ones false pairs; pairs with an erased person are left out. The new set is
    used by matching from its commit on (matching.weights.active_weights).
    """
    if acting_user is not None and not acting_user.is_superuser:
        raise NotPermitted(_("Only an administrator refits the match weights."))
    decided = list(
        MatchProposal.objects.filter(
            state__in=[ProposalState.CONFIRMED, ProposalState.REJECTED],
            person_a__erased_at__isnull=True,
            person_b__erased_at__isnull=True,
        ).values_list("person_a_id", "person_b_id", "state")
    )
    ids = {pk for a, b, _state in decided for pk in (a, b)}
    records = {p.pk: person_record(p) for p in persons_for_records(Person.objects.filter(pk__in=ids))}
    pairs = [(records[a], records[b]) for a, b, _state in decided]
    labels = [state == ProposalState.CONFIRMED for _a, _b, state in decided]
    confirmed, rejected = sum(labels), len(labels) - sum(labels)
    if min(confirmed, rejected) < max(1, min_decisions):
        raise ValidationFailed(
            _("Refitting needs at least %(n)d confirmed and %(n)d rejected proposals (there are %(c)d and %(r)d).")
            % {"n": max(1, min_decisions), "c": confirmed, "r": rejected}
        )
    weights = estimate_weights(
        pairs, labels, notes=f"refitted from {confirmed} confirmed and {rejected} rejected proposals"
    )
    weight_set = MatchWeightSet.objects.create(
        created_by=acting_user, confirmed=confirmed, rejected=rejected, likely=weights.likely,
        possible=weights.possible, parameters=json.loads(weights.to_json()),
    )  # fmt: skip
    record_event(
        event_type="match.weights_refitted",
        actor=acting_user,
        data={
            "weight_set": str(weight_set.pk),
            "confirmed": confirmed,
            "rejected": rejected,
            # Text: the audit chain refuses floats (their JSON is not stable).
            "likely": f"{weights.likely:.3f}",
            "possible": f"{weights.possible:.3f}",
        },
    )
    transaction.on_commit(clear_weights_cache)
    return weight_set
