"""match_person_run stores its new proposals in bulk: one INSERT, one history INSERT, one event."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from matching import actions
from matching.actions import _insert_proposals, match_person_run
from matching.models import MatchProposal, ProposalState
from tests.audit.dbtools import purge_audit_tables
from tests.matching.db_helpers import open_kenya_case, pair_proposals, sought

pytestmark = pytest.mark.django_db


def _inserts(queries: CaptureQueriesContext, table: str) -> int:
    # SQLite writes ON CONFLICT DO NOTHING as INSERT OR IGNORE.
    pattern = re.compile(rf'^INSERT (OR IGNORE )?INTO "{table}"')
    return sum(1 for q in queries.captured_queries if pattern.match(q["sql"]))


def test_many_new_proposals_are_one_insert_with_their_history_and_one_event(personas: Any, open_case: Any) -> None:
    kenyans = [sought(open_kenya_case(personas)) for _ in range(4)]
    home = sought(open_case)
    with CaptureQueriesContext(connection) as queries:
        result = match_person_run(person_id=home.pk)
    assert len(result.created) == 4
    proposals = {p.pk: p for p in MatchProposal.objects.all()}
    assert {str(pk) for pk in proposals} == set(result.created)
    assert all(pair_proposals(home, k).get().state == ProposalState.PROPOSED for k in kenyans)
    history = MatchProposal.history.filter(id__in=proposals)
    assert history.count() == 4
    assert {h.history_type for h in history} == {"+"} and {h.history_user_id for h in history} == {None}
    assert {(h.id, h.score, h.score_inputs_hash) for h in history} == {
        (p.pk, p.score, p.score_inputs_hash) for p in proposals.values()
    }
    assert _inserts(queries, MatchProposal._meta.db_table) == 1
    assert _inserts(queries, MatchProposal.history.model._meta.db_table) == 1
    event = AuditEvent.objects.get(event_type="match.proposals_updated")
    assert sorted(event.data["created"]) == sorted(result.created) and event.data["superseded"] == []

    # Again: nothing new, no history row, no event.
    again = match_person_run(person_id=home.pk)
    assert again.created == [] and again.superseded == [] and again.unchanged == 4
    assert MatchProposal.objects.count() == 4 and MatchProposal.history.count() == 4
    assert AuditEvent.objects.filter(event_type="match.proposals_updated").count() == 1
    # From the other side the pair with home exists already (the Kenyans pair among themselves).
    other_side = match_person_run(person_id=kenyans[0].pk)
    assert other_side.unchanged == 1 and len(other_side.created) == 3
    assert pair_proposals(home, kenyans[0]).count() == 1


def test_a_pair_created_meanwhile_by_another_run_is_skipped_without_history(personas: Any, open_case: Any) -> None:
    kenya = sought(open_kenya_case(personas))
    home = sought(open_case)
    match_person_run(person_id=kenya.pk)  # the "other worker" got there first
    existing = pair_proposals(home, kenya).get()
    late = MatchProposal(
        person_a_id=existing.person_a_id, person_b_id=existing.person_b_id, score=existing.score,
        decision=existing.decision, explanation=existing.explanation, score_inputs_hash="0" * 64,
    )  # fmt: skip
    assert _insert_proposals([late]) == set()
    assert list(MatchProposal.objects.all()) == [existing]
    assert MatchProposal.history.filter(id=late.pk).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_both_sides_run_at_once_and_the_pair_is_stored_once(
    personas: Any, open_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kenya = sought(open_kenya_case(personas))
    home = sought(open_case)
    # Committed cases ran their matching hooks already: start from no proposal at all.
    MatchProposal.objects.all().delete()
    MatchProposal.history.all().delete()  # after: the delete wrote "-" rows
    events = AuditEvent.objects.filter(event_type="match.proposals_updated").count()
    # Both runs have scored the pair and insert it at the same moment: the second INSERT waits
    # on the first's row in the unique index, then skips it (ON CONFLICT DO NOTHING).
    together = threading.Barrier(2, timeout=30)
    insert = actions._insert_proposals

    def insert_together(proposals: list[MatchProposal]) -> set[str]:
        together.wait()
        return insert(proposals)

    monkeypatch.setattr(actions, "_insert_proposals", insert_together)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(person_id: Any) -> None:
        try:
            results.append(match_person_run(person_id=person_id))
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=run, args=(pk,)) for pk in (home.pk, kenya.pk)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sorted(len(r.created) for r in results) == [0, 1]
        proposal = pair_proposals(home, kenya).get()
        assert [h.history_type for h in MatchProposal.history.all()] == ["+"]
        assert MatchProposal.history.get().id == proposal.pk
        updates = AuditEvent.objects.filter(event_type="match.proposals_updated").order_by("seq")
        assert updates.count() == events + 1
        assert updates.last().data["created"] == [str(proposal.pk)]
    finally:
        purge_audit_tables()
