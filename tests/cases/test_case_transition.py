"""case_transition: every legal and illegal transition, roles, requirements, side effects."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import case_transition, consent_record, contact_disclose
from cases.models import Case
from cases.workflow import TRANSITIONS, State
from tracing.exceptions import Conflict, InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage, Role

pytestmark = pytest.mark.django_db


def _reason(name: str) -> str:
    spec = TRANSITIONS[name]
    return spec.reasons.values[0] if spec.reasons else ""


def _force_state(case: Case, state: str) -> Case:
    # Test set-up only: put the case in a state without walking the workflow.
    case.state = state
    case.save(update_fields=["state"])
    return case


def _user_for(personas: Any, spec: Any) -> Any:
    supervisors_only = Role.SUPERVISOR in spec.roles and Role.CASEWORKER not in spec.roles
    return personas.supervisor if supervisors_only else personas.caseworker


def _grant_consent(personas: Any, case: Case, scope: str = "share_contact") -> None:
    sought = case.persons.get(role="sought")
    consent_record(acting_user=personas.caseworker, case_id=case.id, person_id=sought.id, scope=scope, source="phone")


LEGAL = [(name, source) for name, spec in TRANSITIONS.items() for source in sorted(spec.sources)]


@pytest.mark.parametrize(("name", "source"), LEGAL)
def test_every_legal_transition(personas: Any, open_case: Case, name: str, source: str) -> None:
    spec = TRANSITIONS[name]
    _force_state(open_case, source)
    if spec.requires_consent:
        _grant_consent(personas, open_case)
    if name == "share_contact":
        contact_disclose(acting_user=personas.caseworker, case_id=open_case.id,
                         person_id=open_case.persons.get(role="sought").id, kind="contact",
                         content="Gave the enquirer the phone number agreed with the found person.")
    open_case.refresh_from_db()
    version = open_case.version
    case = case_transition(acting_user=_user_for(personas, spec), case_id=open_case.id, transition=name,
                           reason=_reason(name), expected_version=version)
    case.refresh_from_db()
    assert case.state == spec.target
    assert case.version == version + 1
    event = AuditEvent.objects.filter(event_type="case.transition", case_id=str(case.id)).latest("seq")
    assert event.data["from"] == source and event.data["to"] == spec.target and event.data["transition"] == name
    assert case.history.count() >= 2


ILLEGAL = [
    (name, state) for name, state in product(TRANSITIONS, State.values) if state not in TRANSITIONS[name].sources
]


@pytest.mark.parametrize(("name", "state"), ILLEGAL)
def test_every_illegal_transition_changes_nothing(personas: Any, open_case: Case, name: str, state: str) -> None:
    _force_state(open_case, state)
    _grant_consent(personas, open_case)
    open_case.refresh_from_db()
    version, events = open_case.version, AuditEvent.objects.filter(event_type="case.transition").count()
    with pytest.raises(InvalidTransition):
        case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition=name,
                        reason=_reason(name))
    open_case.refresh_from_db()
    assert open_case.state == state and open_case.version == version
    assert AuditEvent.objects.filter(event_type="case.transition").count() == events


@pytest.mark.parametrize("name", [n for n, s in TRANSITIONS.items() if Role.CASEWORKER not in s.roles])
def test_caseworkers_cannot_perform_supervisor_transitions(personas: Any, open_case: Case, name: str) -> None:
    _force_state(open_case, sorted(TRANSITIONS[name].sources)[0])
    with pytest.raises(NotPermitted):
        case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition=name, reason=_reason(name))
    open_case.refresh_from_db()
    assert open_case.state == sorted(TRANSITIONS[name].sources)[0]


def test_users_who_cannot_see_the_case_get_not_found(personas: Any, open_case: Case) -> None:
    for user in (personas.outsider, personas.partner_supervisor, personas.admin, personas.nobody):
        with pytest.raises(NotFound):
            case_transition(acting_user=user, case_id=open_case.id, transition="start_review")


def test_auditors_may_look_but_not_act(personas: Any, open_case: Case) -> None:
    with pytest.raises(NotPermitted):
        case_transition(acting_user=personas.auditor, case_id=open_case.id, transition="start_review")


def test_decline_and_close_need_a_listed_reason(personas: Any, open_case: Case) -> None:
    _force_state(open_case, State.ELIGIBILITY_REVIEW)
    for reason in ("", "because"):
        with pytest.raises(ValidationFailed) as err:
            case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="decline", reason=reason)
        assert "reason" in err.value.field_errors
    case = case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="decline",
                           reason="debt_or_legal")
    assert case.state == State.DECLINED and case.state_reason == "debt_or_legal"
    with pytest.raises(ValidationFailed):
        case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="close")


def test_no_contact_shared_without_consent_and_disclosure(personas: Any, open_case: Case) -> None:
    _force_state(open_case, State.CONSENT_GIVEN)
    with pytest.raises(InvalidTransition):
        case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="share_contact")
    _grant_consent(personas, open_case, scope="relay_messages")
    with pytest.raises(InvalidTransition):  # consent exists, but not to share contact details
        case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="share_contact")
    _grant_consent(personas, open_case, scope="share_contact")
    with pytest.raises(InvalidTransition):  # consent allows it, but nothing was disclosed yet
        case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="share_contact")
    open_case.refresh_from_db()
    assert open_case.state == State.CONSENT_GIVEN


def test_a_stale_version_is_a_conflict(personas: Any, open_case: Case) -> None:
    stale = open_case.version
    case_transition(acting_user=personas.caseworker, case_id=open_case.id, transition="start_review",
                    expected_version=stale)
    with pytest.raises(Conflict):
        case_transition(acting_user=personas.caseworker2, case_id=open_case.id, transition="withdraw",
                        expected_version=stale)
    open_case.refresh_from_db()
    assert open_case.state == State.ELIGIBILITY_REVIEW


def test_transitions_notify_the_caseworker_and_the_enquirer(personas: Any, open_case: Case,
                                                            mailoutbox: list,
                                                            django_capture_on_commit_callbacks: Any) -> None:
    _force_state(open_case, State.ELIGIBILITY_REVIEW)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="accept")
    assert len(callbacks) == 2  # one delivery task per message, scheduled after commit
    kinds = set(OutboxMessage.objects.filter(case_id=open_case.id).values_list("kind", flat=True))
    assert kinds == {"case.transition", "enquirer.stage"}
    assert {m.to[0] for m in mailoutbox} == {"cw@example.org", "amina.enquirer@example.org"}
    assert all("Hassan" not in m.body and "Mohammed" not in m.body for m in mailoutbox)
    # The same transition notification is never recorded twice.
    assert OutboxMessage.objects.filter(case_id=open_case.id).count() == 2


def test_reopen_by_a_supervisor(personas: Any, open_case: Case) -> None:
    _force_state(open_case, State.CLOSED)
    case = case_transition(acting_user=personas.supervisor, case_id=open_case.id, transition="reopen",
                           reason="new_information")
    assert case.state == State.SEARCHING and case.closed_at is None
