"""Data protection actions: retention (plan, dry run, apply), legal holds, data subject requests.

Every write records its audit event in the same transaction. Retention runs without an acting
user (the office's rule decides), so its events have no actor; everything else is done by a
supervisor of the office owning the case (`tracing.permissions`: "case.legal_hold",
"person.dsar", "person.erase").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access import log_access
from audit.events import record_event
from cases.access import access_case, access_person
from cases.actions import person_erase, person_update
from cases.actions.persons import person_values_clean
from cases.models import Case, ErasureReason, Person
from cases.workflow import State
from privacy.models import ANY_REASON, HoldReason, LegalHold, RetentionRule, RetentionRun
from privacy.shredding import case_is_erased, case_shred
from tracing.exceptions import NotFound, ValidationFailed
from tracing.permissions import visible

#: Grace period: a case is erased only if a dry run listed it at least this many days (by date)
#: before the applying run, and it is still due then. The nightly task runs the dry run and
#: the apply step together, so what tonight's report lists is erased tomorrow night at the
#: earliest: supervisors have a day to set a legal hold or reopen the case.
GRACE_DAYS = 1
#: Dry runs older than this no longer count: a case must have been reported recently.
REPORT_VALID_DAYS = 30


# --- retention ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    case_id: str
    office_id: int
    closure_reason: str
    closed_at: dt.datetime
    erase_after: dt.datetime


def _add_years(when: dt.datetime, years: int) -> dt.datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February into a common year
        return when.replace(year=when.year + years, day=28)


def _rules() -> dict[int, dict[str, int]]:
    rules: dict[int, dict[str, int]] = {}
    for office_id, reason, years in RetentionRule.objects.values_list("office_id", "closure_reason", "years"):
        rules.setdefault(office_id, {})[reason] = years
    return rules


def retention_plan(*, now: dt.datetime | None = None) -> list[Due]:
    """The closed cases due for erasure now: closed_at + the rule's years ≤ now, no active legal
    hold, not already erased. A case whose office has no matching rule is kept."""
    now = now or timezone.now()
    due: list[Due] = []
    held = LegalHold.objects.filter(released_at__isnull=True).values("case_id")
    for office_id, by_reason in _rules().items():
        # Nothing closed less than the shortest period ago can be due: let the database cut.
        horizon = _add_years(now, -min(by_reason.values()))
        cases = (Case.objects.filter(office_id=office_id, state=State.CLOSED, closed_at__lte=horizon,
                                     data_key__destroyed_at__isnull=True)
                 .exclude(pk__in=held).order_by("closed_at").values_list("pk", "state_reason", "closed_at"))
        for pk, reason, closed_at in cases:
            years = by_reason.get(reason, by_reason.get(ANY_REASON))
            if years is None:
                continue
            erase_after = _add_years(closed_at, years)
            if erase_after <= now:
                due.append(Due(str(pk), office_id, reason, closed_at, erase_after))
    return due


def _notify_report(run: RetentionRun, due: list[Due]) -> None:
    """Tell each office's supervisors and administrators how many of its cases are due (no names)."""
    from tracing.crypto.datakeys import data_key_create
    from tracing.models import Office, Role
    from tracing.outbox import outbox_enqueue

    counts: dict[int, int] = {}
    for item in due:
        counts[item.office_id] = counts.get(item.office_id, 0) + 1
    for office in Office.objects.filter(pk__in=counts).prefetch_related("staff__user"):
        key = data_key_create(purpose="notice")
        for profile in office.staff.filter(role__in=[Role.SUPERVISOR, Role.OFFICE_ADMIN], user__is_active=True):
            outbox_enqueue(
                key=f"retention:{run.pk}:u{profile.user_id}", kind="privacy.retention_report", data_key=key,
                to_user=profile.user, language=profile.language,
                subject=_("Retention: %(n)d closed cases due for erasure") % {"n": counts[office.pk]},
                body=_("%(n)d closed cases of your office are due for erasure under its retention rules. "
                       "They will be erased from the next nightly run unless a legal hold is set. "
                       "See the list under Data protection (/privacy/).") % {"n": counts[office.pk]},
            )


@transaction.atomic
def retention_dry_run(*, now: dt.datetime | None = None, triggered_by: str = "beat") -> RetentionRun:
    """Record which cases are due (ids and counts only) and notify the offices. Changes nothing else."""
    due = retention_plan(now=now)
    run = RetentionRun.objects.create(dry_run=True, triggered_by=triggered_by, case_ids=[d.case_id for d in due],
                                      due=len(due), started_at=now or timezone.now(), finished_at=timezone.now())
    record_event(event_type="retention.dry_run", actor=None, data={"run": run.pk, "due": len(due)})
    _notify_report(run, due)
    return run


def reported_case_ids(*, now: dt.datetime | None = None, grace_days: int = GRACE_DAYS) -> set[str]:
    """Case ids listed by a dry run at least `grace_days` days (by date) before `now`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last_day = today - dt.timedelta(days=grace_days)
    runs = RetentionRun.objects.filter(
        dry_run=True, started_at__date__lte=last_day,
        started_at__date__gte=today - dt.timedelta(days=REPORT_VALID_DAYS),
    ).values_list("case_ids", flat=True)
    return {case_id for ids in runs for case_id in ids}


def _apply_one(case_id: str) -> int | None:
    """Erase one due case in its own transaction; None if it stopped being due meanwhile."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("data_key", "office").filter(
            pk=case_id, state=State.CLOSED).first()
        if case is None or case_is_erased(case) or case.legal_holds.filter(released_at__isnull=True).exists():
            return None
        persons = case_shred(case)
        record_event(event_type="retention.case_erased", actor=None, office=case.office, case_id=case.pk,
                     data={"closure_reason": case.state_reason, "persons": persons})
        return persons


def retention_apply(*, now: dt.datetime | None = None, grace_days: int = GRACE_DAYS,
                    triggered_by: str = "beat") -> RetentionRun:
    """Erase the cases that are due now *and* were listed by a dry run at least `grace_days` days
    earlier. Each case in its own transaction, so a crash loses nothing and a re-run (or a retried
    task) finds the erased cases no longer due: idempotent. One summary event at the end."""
    started = now or timezone.now()
    reported = reported_case_ids(now=now, grace_days=grace_days)
    eligible = [d.case_id for d in retention_plan(now=now) if d.case_id in reported]
    erased_cases, erased_persons, done = 0, 0, []
    for case_id in eligible:
        persons = _apply_one(case_id)
        if persons is None:
            continue
        erased_cases += 1
        erased_persons += persons
        done.append(case_id)
    with transaction.atomic():
        run = RetentionRun.objects.create(
            dry_run=False, triggered_by=triggered_by, started_at=started, finished_at=timezone.now(),
            case_ids=done, due=len(eligible), erased_cases=erased_cases, erased_persons=erased_persons,
            skipped=len(eligible) - erased_cases,
        )
        record_event(event_type="retention.applied", actor=None,
                     data={"run": run.pk, "cases": erased_cases, "persons": erased_persons,
                           "skipped": len(eligible) - erased_cases})
    return run


# --- legal holds ---------------------------------------------------------------------------


@transaction.atomic
def legal_hold_set(*, acting_user: Any, case_id: Any, reason: str) -> LegalHold:
    """Put a case on legal hold: retention will not erase it until the hold is released.

    Security entry point: supervisors of the owning office only (others: 403; a case the user
    cannot see: 404)."""
    case = access_case(acting_user, case_id, action="case.legal_hold", for_update=True)
    if reason not in HoldReason.values:
        raise ValidationFailed(_("Choose the reason for the hold."), field_errors={"reason": [_("Choose a reason.")]})
    if case_is_erased(case):
        raise ValidationFailed(_("This case's personal data was already erased."))
    if case.legal_holds.filter(released_at__isnull=True).exists():
        raise ValidationFailed(_("This case is already on legal hold."))
    hold = LegalHold.objects.create(case=case, reason=reason, set_by=acting_user)
    record_event(event_type="legal_hold.set", actor=acting_user, office=case.office, case_id=case.pk,
                 data={"hold": hold.pk, "reason": reason})
    return hold


def access_hold(user: Any, hold_id: Any) -> LegalHold:
    """A hold on a case the user may see (else NotFound)."""
    try:
        return LegalHold.objects.filter(case__in=visible(user, Case).values("pk")).get(pk=hold_id)
    except (LegalHold.DoesNotExist, ValueError) as exc:
        raise NotFound("No such legal hold.") from exc


@transaction.atomic
def legal_hold_release(*, acting_user: Any, hold_id: Any) -> LegalHold:
    """Release a legal hold (supervisors of the owning office). Releasing twice changes nothing."""
    hold = access_hold(acting_user, hold_id)
    case = access_case(acting_user, hold.case_id, action="case.legal_hold", for_update=True)
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at, hold.released_by = timezone.now(), acting_user
    hold.save(update_fields=["released_at", "released_by"])
    record_event(event_type="legal_hold.released", actor=acting_user, office=case.office, case_id=case.pk,
                 data={"hold": hold.pk, "reason": hold.reason})
    return hold


# --- data subject requests -------------------------------------------------------------------


@transaction.atomic
def dsar_export(*, acting_user: Any, person_id: Any) -> dict[str, Any]:
    """Everything held about one person, as a JSON-ready dict (privacy.selectors.dsar_document).

    Security entry point: supervisors of the owning office only. Recorded twice in the chain:
    `dsar.exported` (the request was answered) and an `access.export` read of the person."""
    from privacy.selectors import dsar_document

    person = access_person(acting_user, person_id, action="person.dsar")
    document = dsar_document(person, acting_user=acting_user)
    record_event(event_type="dsar.exported", actor=acting_user, office=person.case.office,
                 case_id=person.case_id, person_ids=[person.id],
                 data={"format": document["format"], "access_entries": len(document["access_log"]),
                       "events": len(document["events"])})
    log_access(user=acting_user, kind="export", purpose="data_subject_request", case_ids=[person.case_id],
               person_ids=[person.id], office=person.case.office, detail={"format": "json", "what": "dsar"})
    return document


@transaction.atomic
def dsar_rectify(*, acting_user: Any, person_id: Any, data: dict[str, Any],
                 expected_version: int | None = None) -> Person:
    """Correct a person's data at their request: person_update, plus `dsar.rectified` naming the
    fields that changed (never their values). Nothing changed: nothing recorded.

    Security entry point: supervisors of the owning office only (the request is handled by a
    supervisor, as exports are)."""
    before = access_person(acting_user, person_id, action="person.dsar")
    if before.erased_at:
        raise ValidationFailed(_("This person's data was erased."))
    clean = person_values_clean(data)
    fields = sorted([k for k, v in clean.items() if getattr(before, k) != v]
                    + [k for k in ("names", "places") if k in data])
    person = person_update(acting_user=acting_user, person_id=person_id, data=data,
                           expected_version=expected_version)
    if fields:
        record_event(event_type="dsar.rectified", actor=acting_user, office=person.case.office,
                     case_id=person.case_id, person_ids=[person.id], data={"fields": fields})
    return person


@transaction.atomic
def dsar_erase(*, acting_user: Any, person_id: Any) -> Person:
    """Erase a person at their request: person_erase (reason subject_request) plus `dsar.erased`.

    Security entry point: supervisors of the owning office only. Erasing an erased person
    records nothing more."""
    before = access_person(acting_user, person_id, action="person.dsar")
    if before.erased_at:
        return before
    person = person_erase(acting_user=acting_user, person_id=person_id, reason=ErasureReason.SUBJECT_REQUEST)
    record_event(event_type="dsar.erased", actor=acting_user, office=person.case.office,
                 case_id=person.case_id, person_ids=[person.id], data={"reason": ErasureReason.SUBJECT_REQUEST.value})
    return person

