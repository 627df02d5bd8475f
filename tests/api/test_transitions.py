"""/api/v1/cases/{id}/transitions/: the options a user has, and every transition legal and illegal."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import consent_record, contact_disclose
from cases.models import Case
from cases.workflow import SUPERVISORS, TRANSITIONS, State, Transition
from tests.api.conftest import case_url, set_state, share

pytestmark = pytest.mark.django_db

ALL = sorted(TRANSITIONS)


def _prepare_legal(personas: Any, case: Case, spec: Transition) -> None:
    """Put the case in a source state of `spec` with whatever the step needs."""
    set_state(case, sorted(spec.sources)[0])
    sought = case.persons.get(role="sought")
    if spec.requires_consent:
        scope = "share_contact" if "share_contact" in spec.requires_consent else sorted(spec.requires_consent)[0]
        consent_record(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id, scope=scope,
                       source="in_person")
    if spec.name == "share_contact":
        contact_disclose(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id, kind="contact",
                         content="Gave the enquirer the phone number agreed with the found person.")


def _post(client: Any, case: Case, name: str, *, reason: str = "", version: int | None = None) -> Any:
    case.refresh_from_db()
    payload = {"transition": name, "reason": reason, "detail": "", "version": version or case.version}
    return client.post(case_url(case, "transitions/"), payload, format="json")


def _transition_events(case: Case) -> int:
    return AuditEvent.objects.filter(event_type="case.transition", case_id=str(case.id)).count()


@pytest.mark.parametrize("name", ALL)
def test_every_transition_from_a_legal_state(personas: Any, open_case: Any, client_for: Any, name: str) -> None:
    spec = TRANSITIONS[name]
    _prepare_legal(personas, open_case, spec)
    user = personas.supervisor if spec.roles == SUPERVISORS else personas.caseworker
    before = Case.objects.get(pk=open_case.pk).version
    reason = spec.reasons.values[0] if spec.reasons else ""
    response = _post(client_for(user), open_case, name, reason=reason)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == spec.target and body["version"] == before + 1 and body["state_reason"] == reason
    open_case.refresh_from_db()
    assert open_case.state == spec.target and open_case.version == before + 1
    event = AuditEvent.objects.get(event_type="case.transition", case_id=str(open_case.id))
    assert event.data["transition"] == name and event.data["to"] == spec.target
    assert event.actor_id == user.pk


@pytest.mark.parametrize("name", ALL)
def test_every_transition_from_an_illegal_state(personas: Any, open_case: Any, client_for: Any, name: str) -> None:
    spec = TRANSITIONS[name]
    wrong = next(state for state in State.values if state not in spec.sources)
    set_state(open_case, wrong)
    version = open_case.version
    reason = spec.reasons.values[0] if spec.reasons else ""
    response = _post(client_for(personas.supervisor), open_case, name, reason=reason)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    open_case.refresh_from_db()
    assert open_case.state == wrong and open_case.version == version
    assert _transition_events(open_case) == 0


@pytest.mark.parametrize("name", ["accept", "decline", "close", "reopen", "mark_not_found"])
def test_caseworker_may_not_perform_supervisor_steps(
    personas: Any, open_case: Any, client_for: Any, name: str
) -> None:
    spec = TRANSITIONS[name]
    _prepare_legal(personas, open_case, spec)
    state, version = Case.objects.get(pk=open_case.pk).state, Case.objects.get(pk=open_case.pk).version
    reason = spec.reasons.values[0] if spec.reasons else ""
    response = _post(client_for(personas.caseworker), open_case, name, reason=reason)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    open_case.refresh_from_db()
    assert (open_case.state, open_case.version) == (state, version)
    assert _transition_events(open_case) == 0


def test_a_walk_through_the_workflow(personas: Any, open_case: Any, client_for: Any) -> None:
    worker, supervisor = client_for(personas.caseworker), client_for(personas.supervisor)
    sought = open_case.persons.get(role="sought")
    steps = [(worker, "start_review", ""), (supervisor, "accept", ""), (worker, "start_search", ""),
             (worker, "mark_located", ""), (worker, "request_consent", "")]
    for client, name, reason in steps:
        assert _post(client, open_case, name, reason=reason).status_code == 200
    consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                   scope="relay_messages", source="phone")
    for client, name, reason in [(worker, "record_consent_given", ""), (worker, "relay_message", ""),
                                 (supervisor, "close", "reunited"), (supervisor, "reopen", "new_information")]:
        response = _post(client, open_case, name, reason=reason)
        assert response.status_code == 200, response.json()
    open_case.refresh_from_db()
    assert open_case.state == State.SEARCHING and open_case.closed_at is None
    assert _transition_events(open_case) == 9


def test_steps_that_need_consent_without_it(personas: Any, open_case: Any, client_for: Any) -> None:
    set_state(open_case, State.CONSENT_REQUESTED)
    response = _post(client_for(personas.caseworker), open_case, "record_consent_given")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    open_case.refresh_from_db()
    assert open_case.state == State.CONSENT_REQUESTED


def test_reasons_are_checked(personas: Any, open_case: Any, client_for: Any) -> None:
    set_state(open_case, State.ELIGIBILITY_REVIEW)
    supervisor = client_for(personas.supervisor)
    response = _post(supervisor, open_case, "decline")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and list(response.json()["errors"]) == ["reason"]
    response = _post(supervisor, open_case, "accept", reason="not_relative")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW


def test_input_is_validated(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.caseworker)
    response = client.post(case_url(open_case, "transitions/"), {"transition": "teleport"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"transition", "version"}
    open_case.refresh_from_db()
    assert open_case.state == State.RECEIVED


def test_a_stale_version_conflicts(personas: Any, open_case: Any, client_for: Any) -> None:
    client = client_for(personas.caseworker)
    assert _post(client, open_case, "start_review").status_code == 200
    response = _post(client, open_case, "withdraw", version=1)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW and open_case.version == 2


def test_options_depend_on_role_and_state(personas: Any, open_case: Any, client_for: Any) -> None:
    set_state(open_case, State.ELIGIBILITY_REVIEW)
    url = case_url(open_case, "transitions/")
    response = client_for(personas.caseworker).get(url)
    assert response.status_code == 200
    assert [o["name"] for o in response.json()] == ["withdraw", "mark_unreachable"]
    options = {o["name"]: o for o in client_for(personas.supervisor).get(url).json()}
    assert set(options) == {"accept", "decline", "withdraw", "mark_unreachable"}
    assert options["accept"] == {"name": "accept", "label": "Accept the request", "target": "accepted",
                                 "reasons": None, "requires_consent": []}
    assert {"value": "not_relative", "label": "The enquirer is not a relative"} in options["decline"]["reasons"]
    set_state(open_case, State.CONSENT_REQUESTED)
    options = {o["name"]: o for o in client_for(personas.caseworker).get(url).json()}
    assert options["record_consent_given"]["requires_consent"] == ["alive_only", "relay_messages", "share_contact"]


def test_access(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "full")
    url = case_url(open_case, "transitions/")
    partner = client_for(personas.partner_supervisor)
    assert partner.get(url).json() == []
    response = _post(partner, open_case, "start_review")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert client_for(personas.auditor).get(url).json() == []
    assert client_for(personas.outsider).get(url).status_code == 404
    assert _post(client_for(personas.outsider), open_case, "start_review").status_code == 404
    assert client_for(personas.nobody).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    open_case.refresh_from_db()
    assert open_case.state == State.RECEIVED and open_case.version == 1
