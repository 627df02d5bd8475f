"""Workflow buttons: only the permitted transitions are shown; POSTs move the case or explain why not."""

from __future__ import annotations

from typing import Any

import pytest

from cases.actions import case_transition, case_update
from cases.workflow import State
from tests.web.conftest import events

pytestmark = pytest.mark.django_db


def to_review(case: Any, user: Any) -> None:
    case_transition(acting_user=user, case_id=case.id, transition="start_review")


def buttons(html: str) -> set[str]:
    return {chunk.split("/")[0] for chunk in html.split("/transition/")[1:]}


def test_caseworker_and_supervisor_see_their_transitions(client_for: Any, personas: Any, open_case: Any) -> None:
    to_review(open_case, personas.caseworker)
    worker = client_for(personas.caseworker).get(f"/cases/{open_case.id}/").content.decode()
    supervisor = client_for(personas.supervisor).get(f"/cases/{open_case.id}/").content.decode()
    assert buttons(worker) == {"withdraw", "mark_unreachable"}
    assert buttons(supervisor) == {"accept", "decline", "withdraw", "mark_unreachable"}
    # The decline button carries its reason select; every form carries the version it was built from.
    assert 'name="decline-reason"' in supervisor and "The enquirer is not a relative" in supervisor
    assert 'name="accept-expected_version" value="2"' in supervisor


def test_partner_sees_no_transition(client_for: Any, personas: Any, open_case: Any, share: Any) -> None:
    share(open_case, "share_full")
    client = client_for(personas.partner_supervisor)
    client.post(f"/cases/{open_case.id}/", {"purpose": "partner_request"})
    assert buttons(client.get(f"/cases/{open_case.id}/").content.decode()) == set()
    response = client.post(f"/cases/{open_case.id}/transition/start_review/", {"start_review-expected_version": 1})
    assert response.status_code == 403
    open_case.refresh_from_db()
    assert open_case.state == State.RECEIVED


def test_a_transition_post_moves_the_case(client_for: Any, personas: Any, open_case: Any) -> None:
    client = client_for(personas.caseworker)
    response = client.post(f"/cases/{open_case.id}/transition/start_review/",
                           {"start_review-expected_version": 1, "start_review-detail": "Called the enquirer"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{open_case.id}/"
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW and open_case.version == 2
    assert events(open_case, "case.transition")[-1].data["to"] == State.ELIGIBILITY_REVIEW
    assert "Eligibility review" in client.get(response["Location"]).content.decode()


def test_decline_needs_a_reason(client_for: Any, personas: Any, open_case: Any) -> None:
    to_review(open_case, personas.caseworker)
    client = client_for(personas.supervisor)
    response = client.post(f"/cases/{open_case.id}/transition/decline/", {"decline-expected_version": 2})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_decline-reason-error"' in html and 'aria-invalid="true"' in html
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW
    ok = client.post(f"/cases/{open_case.id}/transition/decline/",
                     {"decline-expected_version": 2, "decline-reason": "debt_or_legal"})
    assert ok.status_code == 302
    open_case.refresh_from_db()
    assert open_case.state == State.DECLINED and open_case.state_reason == "debt_or_legal"
    assert "Debt collection or legal pursuit" in client.get(f"/cases/{open_case.id}/").content.decode()


def test_a_stale_form_gets_the_conflict_message(client_for: Any, personas: Any, open_case: Any) -> None:
    case_update(acting_user=personas.supervisor, case_id=open_case.id, expected_version=1, priority=2)
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/transition/start_review/",
                                                    {"start_review-expected_version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    open_case.refresh_from_db()
    assert open_case.state == State.RECEIVED and events(open_case, "case.transition") == []


def test_caseworker_may_not_accept(client_for: Any, personas: Any, open_case: Any) -> None:
    to_review(open_case, personas.caseworker)
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/transition/accept/",
                                                    {"accept-expected_version": 2})
    assert response.status_code == 403
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW


def test_outsider_gets_404_and_get_is_refused(client_for: Any, personas: Any, open_case: Any) -> None:
    post = client_for(personas.outsider).post(f"/cases/{open_case.id}/transition/start_review/",
                                              {"start_review-expected_version": 1})
    assert post.status_code == 404
    assert client_for(personas.caseworker).get(f"/cases/{open_case.id}/transition/start_review/").status_code == 405
    assert client_for(None).post(f"/cases/{open_case.id}/transition/start_review/").status_code == 302
    open_case.refresh_from_db()
    assert open_case.state == State.RECEIVED


def test_a_step_not_available_from_the_state_is_explained(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/transition/start_search/",
                                                    {"start_search-expected_version": 1})
    assert response.status_code == 400
    assert "cannot go to" in response.content.decode()
