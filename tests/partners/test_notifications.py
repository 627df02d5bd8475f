"""A partner's service user is not an e-mail recipient of its office: it hears by webhook, and
the office's contact address still gets the notice when no human supervisor is there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tracing.models import OutboxMessage
from tracing.network.actions import request_send

pytestmark = pytest.mark.django_db


def test_requests_to_a_partner_office_do_not_mail_the_service_user(open_case: Any, personas: Any,
                                                                   partner: Any) -> None:
    personas.partner_supervisor.is_active = False  # only the service user is left as supervisor
    personas.partner_supervisor.save(update_fields=["is_active"])
    personas.partner.contact_email = "tracing@ke.example"
    personas.partner.save(update_fields=["contact_email"])
    sought = open_case.persons.get(role="sought")
    request_send(acting_user=personas.supervisor, case_id=open_case.pk, to_office_id=personas.partner.pk,
                 sought_person_id=sought.pk, question="Search.", due_date=timezone.localdate() + timedelta(days=9))
    messages = OutboxMessage.objects.filter(kind="network.request_sent")
    assert not messages.filter(to_user=partner.service_user).exists()
    assert [m.recipient for m in messages] == ["tracing@ke.example"]
