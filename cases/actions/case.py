"""Opening, editing, assigning and moving a case through its workflow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.actions.common import check_version, refuse_if_erased, touch
from cases.actions.persons import person_create
from cases.models import Case, CaseSequence, Consent, PersonRole, Priority
from cases.notifications import notify_transition
from cases.workflow import TRANSITIONS, State, refuse_on_register
from tracing.crypto.datakeys import data_key_create
from tracing.exceptions import InvalidTransition, NotPermitted, ValidationFailed
from tracing.models import Office, Role, StaffProfile
from tracing.permissions import actor_for, can

EDITABLE_CASE_FIELDS = (
    "separation_cause", "separation_date", "separation_place", "separation_circumstances",
    "languages", "involves_minor", "vulnerable", "priority",
)


def _next_reference(office: Office) -> str:
    year = timezone.now().year
    seq, _created = CaseSequence.objects.get_or_create(office=office, year=year)
    seq = CaseSequence.objects.select_for_update().get(pk=seq.pk)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{office.code}-{year}-{seq.last:05d}"


def case_priority(requested: int | None, involves_minor: bool, vulnerable: bool) -> int:
    # Minors and vulnerable people first, whatever was asked for.
    if involves_minor or vulnerable:
        return Priority.URGENT
    return requested or Priority.NORMAL


@transaction.atomic
def case_open(
    *,
    acting_user: Any,
    enquirer: dict[str, Any],
    sought: list[dict[str, Any]],
    separation_cause: str,
    separation_date: Any = None,
    separation_place: str = "",
    separation_circumstances: str = "",
    languages: list[str] | None = None,
    eligibility: dict[str, Any] | None = None,
    relatives: list[dict[str, Any]] | None = None,
    priority: int | None = None,
    vulnerable: bool = False,
) -> Case:
    """Open a case in the user's office with its enquirer and sought persons."""
    actor = actor_for(acting_user)
    if actor is None or not can(acting_user, "case.open", None):
        raise NotPermitted(_("Only caseworkers and supervisors open cases."))
    if not sought:
        raise ValidationFailed(_("Add at least one sought person."), field_errors={"sought": [_("Required.")]})
    office = Office.objects.get(pk=actor.office_id)
    involves_minor = any(p.get("is_minor") for p in [enquirer, *sought])
    case = Case(
        office=office,
        created_by=acting_user,
        assigned_to=acting_user if actor.role == Role.CASEWORKER else None,
        data_key=data_key_create(purpose="case"),
        separation_cause=separation_cause,
        separation_date=separation_date,
        separation_place=separation_place,
        separation_circumstances=separation_circumstances,
        languages=languages or [],
        eligibility=eligibility or {},
        involves_minor=involves_minor,
        vulnerable=vulnerable,
        priority=case_priority(priority, involves_minor, vulnerable),
    )
    case.reference = _next_reference(office)
    case.full_clean(exclude=["data_key", "created_by"])
    case.save(force_insert=True)
    persons = [person_create(case=case, role=PersonRole.ENQUIRER, data=enquirer)]
    persons += [person_create(case=case, role=PersonRole.SOUGHT, data=p) for p in sought]
    persons += [person_create(case=case, role=PersonRole.RELATIVE, data=p) for p in relatives or []]
    record_event(
        event_type="case.opened", actor=acting_user, office=office, case_id=case.id,
        person_ids=[p.id for p in persons],
        data={"reference": case.reference, "sought": len(sought), "priority": case.priority},
    )
    return case


@transaction.atomic
def case_update(*, acting_user: Any, case_id: Any, expected_version: int | None, **changes: Any) -> Case:
    """Edit case fields; a stale `expected_version` is a conflict, not a silent overwrite."""
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    refuse_if_erased(case)
    check_version(case, expected_version)
    unknown = set(changes) - set(EDITABLE_CASE_FIELDS)
    if unknown:
        raise ValidationFailed(_("These fields cannot be edited here: %s") % ", ".join(sorted(unknown)))
    changed = [name for name, value in changes.items() if getattr(case, name) != value]
    for name in changed:
        setattr(case, name, changes[name])
    if {"involves_minor", "vulnerable", "priority"} & set(changed):
        case.priority = case_priority(case.priority, case.involves_minor, case.vulnerable)
        changed = sorted(set(changed) | {"priority"})
    if not changed:
        return case
    case.full_clean(exclude=["data_key", "created_by", "reference"])
    touch(case, *changed)
    record_event(event_type="case.updated", actor=acting_user, office=case.office, case_id=case.id,
                 data={"fields": changed, "version": case.version})
    return case


@transaction.atomic
def case_assign(
    *, acting_user: Any, case_id: Any, assignee_id: int | None, expected_version: int | None = None
) -> Case:
    case = access_case(acting_user, case_id, action="case.assign", for_update=True)
    check_version(case, expected_version)
    assignee = None
    if assignee_id is not None:
        ok = StaffProfile.objects.filter(
            user_id=assignee_id, office_id=case.office_id, role__in=[Role.CASEWORKER, Role.SUPERVISOR],
            user__is_active=True,
        ).exists()
        if not ok:
            raise ValidationFailed(_("Assign the case to a caseworker or supervisor of its office."),
                                   field_errors={"assigned_to": [_("Not a caseworker of this office.")]})
        assignee = get_user_model().objects.get(pk=assignee_id)
    case.assigned_to = assignee
    touch(case, "assigned_to")
    record_event(event_type="case.assigned", actor=acting_user, office=case.office, case_id=case.id,
                 data={"assignee_id": assignee_id})
    return case


def _active_consent_scopes(case: Case) -> set[str]:
    return set(Consent.objects.filter(case=case, withdrawn_at__isnull=True).values_list("scope", flat=True))


@transaction.atomic
def case_transition(
    *,
    acting_user: Any,
    case_id: Any,
    transition: str,
    reason: str = "",
    detail: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move a case along one transition of cases.workflow, or raise and change nothing."""
    spec = TRANSITIONS.get(transition)
    if spec is None:
        raise InvalidTransition(_("Unknown transition “%s”.") % transition)
    case = access_case(acting_user, case_id, action="case.transition", for_update=True, transition=spec)
    refuse_on_register(case)
    check_version(case, expected_version)
    if case.state not in spec.sources:
        raise InvalidTransition(
            _("A case in state “%(state)s” cannot go to “%(target)s”.")
            % {"state": State(case.state).label, "target": State(spec.target).label}
        )
    if spec.reasons is not None:
        if reason not in spec.reasons.values:
            raise ValidationFailed(_("Choose a reason."),
                                   field_errors={"reason": [_("Choose one of the listed reasons.")]})
    elif reason:
        raise ValidationFailed(_("This step takes no reason."), field_errors={"reason": [_("Not expected here.")]})
    if spec.requires_consent and not (spec.requires_consent & _active_consent_scopes(case)):
        raise InvalidTransition(_("This step needs the found person's recorded consent."))
    if transition == "share_contact" and not case.disclosures.filter(kind="contact").exists():
        raise InvalidTransition(_("Record the disclosure of contact details first."))
    old_state = case.state
    now = timezone.now()
    case.state = spec.target
    case.state_reason = reason
    case.state_reason_detail = detail
    fields = ["state", "state_reason", "state_reason_detail"]
    if spec.target == State.ACCEPTED:
        case.accepted_at = now
        fields.append("accepted_at")
    if spec.target == State.LOCATED:
        case.located_at = now
        fields.append("located_at")
    if spec.target == State.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    elif old_state == State.CLOSED:
        case.closed_at = None
        fields.append("closed_at")
    touch(case, *fields)
    record_event(
        event_type="case.transition", actor=acting_user, office=case.office, case_id=case.id,
        data={"transition": transition, "from": old_state, "to": case.state, "reason": reason,
              "version": case.version},
    )
    notify_transition(case, spec, acting_user)
    return case
