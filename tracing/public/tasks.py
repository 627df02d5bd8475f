"""Beat tasks of the public side: reminders that fire, once each (outbox idempotency keys).

- public_inactivity_reminders (daily): open cases without activity for the office's
  `inactivity_reminder_days` -> the caseworker (or the supervisors), once per quiet spell.
- public_consent_reminders (daily): a found person's consent link unanswered after
  PUBLIC_CONSENT_REMINDER_DAYS -> the found person (if they have an email) and the caseworker.
- public_still_searching (daily): every PUBLIC_STILL_SEARCHING_DAYS of an ongoing search, the
  enquirer is told that we are still searching, so they stay reachable.
- public_scrub_sent_codes (hourly): sent emails that carried an access code lose their body, so
  the code does not outlive its delivery even in sealed form.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.schedules import crontab
from django.db import DatabaseError

from tracing.celery import app

logger = logging.getLogger(__name__)

_RETRY = {"acks_late": True, "autoretry_for": (DatabaseError,), "retry_backoff": 60, "retry_backoff_max": 3600,
          "max_retries": 5}


@shared_task(**_RETRY)
def public_inactivity_reminders() -> int:
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case
    from cases.workflow import State
    from tracing.models import Office
    from tracing.public.notify import email_office

    now = timezone.now()
    count = 0
    for office in Office.objects.filter(inactivity_reminder_days__gt=0):
        quiet = (Case.objects.filter(office=office, last_activity_at__lte=now - timedelta(
            days=office.inactivity_reminder_days)).exclude(state=State.CLOSED)
            .select_related("office", "assigned_to", "data_key"))
        for case in quiet.iterator():
            with transaction.atomic():
                # One reminder per quiet spell: the key names the last activity it is about.
                count += email_office(
                    key=f"reminder:inactive:{case.pk}:{case.last_activity_at.date().isoformat()}",
                    kind="reminder.inactivity", case=case, template="office_inactive",
                    context={"days": office.inactivity_reminder_days})
    logger.info("inactivity reminders: %s", count)
    return count


@shared_task(**_RETRY)
def public_consent_reminders() -> int:
    from django.db import transaction
    from django.utils import timezone

    from cases.workflow import State
    from tracing.public.conf import conf
    from tracing.public.models import AccessAudience, PublicAccess
    from tracing.public.notify import email_office, email_person

    days = conf("PUBLIC_CONSENT_REMINDER_DAYS")
    cutoff = timezone.now() - timedelta(days=days)
    rows = (PublicAccess.objects.filter(audience=AccessAudience.FOUND, revoked_at__isnull=True,
                                        answered_at__isnull=True, issued_at__lte=cutoff)
            .exclude(case__state=State.CLOSED).select_related("case", "case__office", "case__data_key", "person",
                                                              "person__data_key"))
    count = 0
    for access in rows:
        with transaction.atomic():
            # Once per code: a reissued code is a new request and may be reminded again.
            if email_person(key=f"reminder:consent:{access.pk}", kind="reminder.consent", case=access.case,
                            person=access.person, template="found_reminder", context={"handle": access.handle}):
                count += 1
            email_office(key=f"reminder:consent-office:{access.pk}", kind="reminder.consent", case=access.case,
                         template="office_consent_waiting", context={"days": days})
    logger.info("consent reminders: %s", count)
    return count


@shared_task(**_RETRY)
def public_still_searching() -> int:
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case
    from cases.workflow import State
    from tracing.public.conf import conf
    from tracing.public.notify import email_person, enquirer_of

    every = conf("PUBLIC_STILL_SEARCHING_DAYS")
    now = timezone.now()
    searching = [State.ACCEPTED, State.SEARCHING, State.LOCATED, State.CONSENT_REQUESTED]
    count = 0
    for case in Case.objects.filter(state__in=searching, accepted_at__lte=now - timedelta(days=every)).select_related(
            "office", "data_key"):
        period = (now - case.accepted_at).days // every  # 1 after 90 days, 2 after 180, ...
        enquirer = enquirer_of(case)
        if enquirer is None:
            continue
        with transaction.atomic():
            if email_person(key=f"reminder:still-searching:{case.pk}:{period}", kind="enquirer.still_searching",
                            case=case, person=enquirer, template="enquirer_still_searching", context={}):
                count += 1
    logger.info("still-searching messages: %s", count)
    return count


@shared_task(**_RETRY)
def public_scrub_sent_codes() -> int:
    from django.db.models import Q

    from tracing.models import OutboxMessage

    scrubbed = 0
    with_code = Q(kind__in=["enquirer.access_code", "found.access_code"]) | Q(
        kind="enquirer.stage", idempotency_key__endswith=":accept:enquirer")  # the first code comes with "accepted"
    for message in OutboxMessage.objects.filter(with_code, status=OutboxMessage.Status.SENT).select_related("data_key"):
        if not message.body:
            continue
        message.body = ""
        message.save(update_fields=["body"])
        scrubbed += 1
    return scrubbed


# Autodiscovery looks only at tracing.tasks; tracing.public.models imports this module so that
# the worker and beat both know these tasks, and the schedule is added here next to them.
app.add_periodic_task(crontab(minute=30, hour=6), public_inactivity_reminders.s(), name="public-inactivity-reminders")
app.add_periodic_task(crontab(minute=40, hour=6), public_consent_reminders.s(), name="public-consent-reminders")
app.add_periodic_task(crontab(minute=50, hour=6), public_still_searching.s(), name="public-still-searching")
app.add_periodic_task(crontab(minute=5), public_scrub_sent_codes.s(), name="public-scrub-sent-codes")
