"""request_remind and the beat task: before the due date and after it, once per request, kind and day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from tests.network.conftest import send_request
from tracing.celery import app
from tracing.models import OutboxMessage
from tracing.network.actions import request_decline, request_remind
from tracing.network.tasks import tracing_request_reminders

pytestmark = pytest.mark.django_db


def test_the_task_is_scheduled_by_beat() -> None:
    entry = app.conf.beat_schedule["tracing-request-reminders"]
    assert entry["task"] == "tracing.network.tasks.tracing_request_reminders"


def test_it_reminds_before_the_due_date_once_a_day(personas: Any, open_case: Any) -> None:
    req = send_request(personas, open_case, days=2)
    assert tracing_request_reminders.delay().get() == {"due_soon": 1, "overdue": 0}
    assert tracing_request_reminders.delay().get() == {"due_soon": 0, "overdue": 0}  # same day: nothing more
    msgs = OutboxMessage.objects.filter(kind="network.reminder_due_soon")
    assert [m.to_user_id for m in msgs] == [personas.partner_supervisor.pk]
    assert msgs[0].idempotency_key.startswith(f"netreq:{req.id}:remind:due_soon:{timezone.localdate().isoformat()}")
    event = AuditEvent.objects.get(event_type="network.request_reminded")
    assert event.actor_id is None and event.data["kind"] == "due_soon"


def test_it_reminds_every_day_once_overdue(personas: Any, open_case: Any) -> None:
    req = send_request(personas, open_case, days=5)
    today = timezone.localdate()
    assert request_remind(request_id=req.pk, today=today) is None  # not due yet
    assert request_remind(request_id=req.pk, today=req.due_date + timedelta(days=1)) == "overdue"
    assert request_remind(request_id=req.pk, today=req.due_date + timedelta(days=1)) is None
    assert request_remind(request_id=req.pk, today=req.due_date + timedelta(days=2)) == "overdue"
    assert OutboxMessage.objects.filter(kind="network.reminder_overdue").count() == 2
    assert AuditEvent.objects.filter(event_type="network.request_reminded").count() == 2


def test_answered_or_declined_requests_get_no_reminder(personas: Any, open_case: Any) -> None:
    req = send_request(personas, open_case, days=1)
    request_decline(acting_user=personas.partner_supervisor, request_id=req.pk, reason="no_capacity")
    assert tracing_request_reminders.delay().get() == {"due_soon": 0, "overdue": 0}
    assert request_remind(request_id=req.pk, today=req.due_date + timedelta(days=3)) is None
    assert not OutboxMessage.objects.filter(kind__startswith="network.reminder").exists()
