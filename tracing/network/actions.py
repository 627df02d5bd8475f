"""All writes to inter-office tracing requests. Views, API and beat call these and nothing else.

Sending shares the case with the partner office; declining, closing and revoking end the
share (through the policy's `share_grant`/`share_revoke`, the only code that writes grants).
Every share, answer and revocation is an audit event in the action's transaction; messages
go through the outbox and name neither the sought person nor the enquirer.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.models import NoteVisibility, PersonRole
from tracing import permissions as policy
from tracing.exceptions import InvalidTransition, NotFound, ValidationFailed
from tracing.models import Office, OutboxMessage, Role, StaffProfile
from tracing.network.access import access_request
from tracing.network.models import (
    ConsentStatus,
    DeclineReason,
    RequestOutcome,
    RequestStatus,
    ShareLevel,
    TracingRequest,
)
from tracing.outbox import outbox_enqueue

#: Reminder kinds sent by beat: a few days before the due date, and every day after it.
REMIND_BEFORE_DAYS = 3
REMINDER_KINDS = ("due_soon", "overdue")


def _office_recipients(office_id: int) -> list[Any]:
    """Who hears about requests for an office: its active supervisors (not partner service users)."""
    profiles = StaffProfile.objects.filter(office_id=office_id, role=Role.SUPERVISOR, user__is_active=True,
                                           user__partner_system__isnull=True)  # partner systems hear by webhook
    return [p.user for p in profiles.select_related("user").order_by("user_id")]


def _notify(req: TracingRequest, *, key: str, kind: str, users: list[Any], subject: str, body: str,
            office: Office | None = None) -> None:
    # One row per recipient; the key makes a retried action notify once. An office without
    # supervisors still hears through its contact address.
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        outbox_enqueue(key=f"{key}:u{user.pk}", kind=kind, data_key=req.data_key, to_user=user,
                       subject=subject, body=body, case_id=req.case_id)
    if not seen and office is not None and office.contact_email:
        outbox_enqueue(key=f"{key}:office", kind=kind, data_key=req.data_key, recipient=office.contact_email,
                       subject=subject, body=body, case_id=req.case_id)


def _requesters(req: TracingRequest) -> list[Any]:
    return [req.sent_by, req.case.assigned_to, *_office_recipients(req.from_office_id)]


def _partners(req: TracingRequest) -> list[Any]:
    return [req.responded_by, *_office_recipients(req.to_office_id)]


def _bump(req: TracingRequest, *fields: str) -> None:
    req.version += 1
    req.save(update_fields=["version", *fields])


def _require_status(req: TracingRequest, *allowed: str) -> None:
    if req.status not in allowed:
        raise InvalidTransition(
            _("This request is “%(status)s”; that is not possible now.") % {"status": req.get_status_display()}
        )


@transaction.atomic
def request_send(
    *, acting_user: Any, case_id: Any, to_office_id: Any, sought_person_id: Any, question: str,
    due_date: date, share_level: str = ShareLevel.SEARCH,
) -> TracingRequest:
    """Ask a partner office to search, and share the case with it at `share_level`.

    Only a supervisor of the case's office may share a case with another office.
    """
    case = access_case(acting_user, case_id, action="request.send", for_update=True)
    errors: dict[str, list[str]] = {}
    to_office = Office.objects.filter(pk=to_office_id).first() if str(to_office_id or "").isdigit() else None
    if to_office is None or to_office.pk == case.office_id:
        errors["to_office"] = [_("Choose a partner office.")]
    sought = case.persons.filter(pk=sought_person_id, role=PersonRole.SOUGHT, erased_at__isnull=True).first() \
        if sought_person_id else None
    if sought is None:
        errors["sought_person"] = [_("Choose a sought person of this case.")]
    if not (question or "").strip():
        errors["question"] = [_("Say what you ask the partner office to do.")]
    if not isinstance(due_date, date) or due_date <= timezone.localdate():
        errors["due_date"] = [_("Choose a date after today.")]
    if share_level not in ShareLevel.values:
        errors["share_level"] = [_("Choose what the partner office may see.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors=errors)
    if not case.is_open:
        raise InvalidTransition(_("A closed case cannot be shared."))
    if TracingRequest.objects.filter(case=case, to_office=to_office, status__in=RequestStatus.active()).exists():
        raise InvalidTransition(_("This office already has an open request for this case."))
    req = TracingRequest(
        case=case, from_office_id=case.office_id, to_office=to_office, sought_person=sought, data_key=case.data_key,
        question=question.strip(), due_date=due_date, share_level=share_level, sent_by=acting_user,
    )
    try:
        with transaction.atomic():
            req.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent send to the same office won
        raise InvalidTransition(_("This office already has an open request for this case.")) from exc
    policy.share_grant(case, to_office, policy.Level.BY_NAME[share_level])
    record_event(event_type="case.shared", actor=acting_user, office=case.office, case_id=case.id,
                 data={"to_office_id": to_office.pk, "level": share_level, "request_id": str(req.id)})
    record_event(event_type="network.request_sent", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[sought.id],
                 data={"request_id": str(req.id), "to_office_id": to_office.pk, "due_date": due_date.isoformat()})
    _notify(req, key=f"netreq:{req.id}:sent", kind="network.request_sent", users=_office_recipients(to_office.pk),
            office=to_office,
            subject=_("New tracing request %(ref)s") % {"ref": case.reference},
            body=_("The %(office)s office asks you to search (case %(ref)s), answer due by %(due)s.")
            % {"office": case.office.name, "ref": case.reference, "due": due_date.isoformat()})
    return req


@transaction.atomic
def request_accept(*, acting_user: Any, request_id: Any) -> TracingRequest:
    """The partner office takes the request on."""
    req = access_request(acting_user, request_id, action="request.accept", for_update=True)
    _require_status(req, RequestStatus.SENT)
    req.status, req.responded_by, req.responded_at = RequestStatus.ACCEPTED, acting_user, timezone.now()
    _bump(req, "status", "responded_by", "responded_at")
    record_event(event_type="network.request_accepted", actor=acting_user, office=req.to_office,
                 case_id=req.case_id, data={"request_id": str(req.id)})
    _notify(req, key=f"netreq:{req.id}:v{req.version}:accepted", kind="network.request_accepted",
            users=_requesters(req), subject=_("Tracing request %(ref)s accepted") % {"ref": req.case.reference},
            body=_("The %(office)s office accepted your request for case %(ref)s.")
            % {"office": req.to_office.name, "ref": req.case.reference})
    return req


def _end_share(req: TracingRequest, acting_user: Any, cause: str) -> None:
    removed = policy.share_revoke(req.case, req.to_office)
    record_event(event_type="case.share_revoked", actor=acting_user, office=req.from_office, case_id=req.case_id,
                 data={"to_office_id": req.to_office_id, "request_id": str(req.id), "cause": cause,
                       "grants_removed": removed})


@transaction.atomic
def request_decline(*, acting_user: Any, request_id: Any, reason: str) -> TracingRequest:
    """The partner office declines; it loses the share at once."""
    req = access_request(acting_user, request_id, action="request.decline", for_update=True)
    _require_status(req, RequestStatus.SENT)
    if reason not in DeclineReason.values:
        raise ValidationFailed(_("Choose a reason."), field_errors={"reason": [_("Choose one of the listed reasons.")]})
    req.status, req.decline_reason = RequestStatus.DECLINED, reason
    req.responded_by, req.responded_at = acting_user, timezone.now()
    _bump(req, "status", "decline_reason", "responded_by", "responded_at")
    record_event(event_type="network.request_declined", actor=acting_user, office=req.to_office,
                 case_id=req.case_id, data={"request_id": str(req.id), "reason": reason})
    _end_share(req, acting_user, "declined")
    _notify(req, key=f"netreq:{req.id}:v{req.version}:declined", kind="network.request_declined",
            users=_requesters(req), subject=_("Tracing request %(ref)s declined") % {"ref": req.case.reference},
            body=_("The %(office)s office declined your request for case %(ref)s: %(reason)s.")
            % {"office": req.to_office.name, "ref": req.case.reference, "reason": DeclineReason(reason).label})
    return req


@transaction.atomic
def request_answer(
    *, acting_user: Any, request_id: Any, outcome: str, answer: str, consent_status: str = "", searched: str = "",
) -> TracingRequest:
    """The partner office answers: located (with the person's consent), not found (with what
    was searched), or needs more information. The answer is a shareable note on the case.
    """
    from cases.actions import note_add

    req = access_request(acting_user, request_id, action="request.answer", for_update=True)
    # After "needs more information" the partner answers again once the owner has added it.
    if not (req.status == RequestStatus.ANSWERED and req.outcome == RequestOutcome.NEEDS_INFORMATION):
        _require_status(req, RequestStatus.ACCEPTED)
    errors: dict[str, list[str]] = {}
    if outcome not in RequestOutcome.values:
        errors["outcome"] = [_("Choose an outcome.")]
    if not (answer or "").strip():
        errors["answer"] = [_("Write your answer.")]
    if outcome == RequestOutcome.LOCATED and consent_status not in ConsentStatus.values:
        errors["consent_status"] = [_("Say what the person consents to.")]
    if outcome == RequestOutcome.NOT_FOUND and not (searched or "").strip():
        errors["searched"] = [_("Say where and how you searched.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors=errors)
    note = note_add(acting_user=acting_user, case_id=req.case_id, body=answer, visibility=NoteVisibility.SHAREABLE)
    req.status, req.outcome, req.answer_note, req.answered_at = RequestStatus.ANSWERED, outcome, note, timezone.now()
    req.consent_status = consent_status if outcome == RequestOutcome.LOCATED else ""
    req.searched = searched.strip() if outcome == RequestOutcome.NOT_FOUND else ""
    if req.responded_by_id is None:
        req.responded_by = acting_user
    _bump(req, "status", "outcome", "answer_note", "answered_at", "consent_status", "searched", "responded_by")
    record_event(event_type="network.request_answered", actor=acting_user, office=req.to_office,
                 case_id=req.case_id,
                 data={"request_id": str(req.id), "outcome": outcome, "consent_status": req.consent_status,
                       "note_id": str(note.id)})
    _notify(req, key=f"netreq:{req.id}:v{req.version}:answered", kind="network.request_answered",
            users=_requesters(req), subject=_("Answer to tracing request %(ref)s") % {"ref": req.case.reference},
            body=_("The %(office)s office answered your request for case %(ref)s: %(outcome)s.")
            % {"office": req.to_office.name, "ref": req.case.reference, "outcome": RequestOutcome(outcome).label})
    return req


@transaction.atomic
def request_close(*, acting_user: Any, request_id: Any) -> TracingRequest:
    """The requesting office ends an answered or declined request; any share ends with it."""
    req = access_request(acting_user, request_id, action="request.close", for_update=True)
    _require_status(req, RequestStatus.ANSWERED, RequestStatus.DECLINED)
    had_share = req.status == RequestStatus.ANSWERED
    req.status, req.closed_at = RequestStatus.CLOSED, timezone.now()
    _bump(req, "status", "closed_at")
    record_event(event_type="network.request_closed", actor=acting_user, office=req.from_office,
                 case_id=req.case_id, data={"request_id": str(req.id)})
    if had_share:
        _end_share(req, acting_user, "closed")
    return req


@transaction.atomic
def share_revoke(*, acting_user: Any, request_id: Any) -> TracingRequest:
    """Withdraw a request and its share. Security entry point: effective on the partner's
    very next request (visible() and case_level() read the grants on every call).
    """
    req = access_request(acting_user, request_id, action="request.revoke", for_update=True)
    _require_status(req, *RequestStatus.active())
    req.status, req.revoked_at = RequestStatus.REVOKED, timezone.now()
    _bump(req, "status", "revoked_at")
    record_event(event_type="network.request_revoked", actor=acting_user, office=req.from_office,
                 case_id=req.case_id, data={"request_id": str(req.id)})
    _end_share(req, acting_user, "revoked")
    _notify(req, key=f"netreq:{req.id}:v{req.version}:revoked", kind="network.request_revoked",
            users=_partners(req), subject=_("Tracing request %(ref)s withdrawn") % {"ref": req.case.reference},
            body=_("The %(office)s office withdrew its request for case %(ref)s; the case is no longer shared "
                   "with you.") % {"office": req.from_office.name, "ref": req.case.reference})
    return req


def reminder_due(req: TracingRequest, today: date) -> str | None:
    """Which reminder, if any, a request needs on `today`."""
    if req.status not in (RequestStatus.SENT, RequestStatus.ACCEPTED):
        return None
    if today > req.due_date:
        return "overdue"
    if req.due_date - timedelta(days=REMIND_BEFORE_DAYS) <= today <= req.due_date:
        return "due_soon"
    return None


@transaction.atomic
def request_remind(*, request_id: Any, today: date | None = None) -> str | None:
    """Remind the partner office of a request coming due or overdue (beat; no acting user).

    At most one reminder per request, kind and day: the outbox idempotency key carries all
    three, so a retried or doubled beat run sends nothing twice. Returns the kind sent.
    """
    today = today or timezone.localdate()
    req = (TracingRequest.objects.select_for_update(of=("self",))
           .select_related("case", "from_office", "to_office", "data_key").filter(pk=request_id).first())
    if req is None:
        raise NotFound("No such tracing request.")
    kind = reminder_due(req, today)
    if kind is None:
        return None
    key = f"netreq:{req.id}:remind:{kind}:{today.isoformat()}"
    if OutboxMessage.objects.filter(idempotency_key__startswith=key + ":").exists():
        return None  # already reminded today
    subject = (_("Tracing request %(ref)s is overdue") if kind == "overdue"
               else _("Tracing request %(ref)s is due soon")) % {"ref": req.case.reference}
    _notify(req, key=key, kind=f"network.reminder_{kind}", users=_partners(req), office=req.to_office, subject=subject,
            body=_("The answer to the request of the %(office)s office (case %(ref)s) is due by %(due)s.")
            % {"office": req.from_office.name, "ref": req.case.reference, "due": req.due_date.isoformat()})
    record_event(event_type="network.request_reminded", actor=None, office=req.to_office, case_id=req.case_id,
                 data={"request_id": str(req.id), "kind": kind, "day": today.isoformat()})
    return kind
