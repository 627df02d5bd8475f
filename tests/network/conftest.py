"""A case of the home office (NL) and a tracing request from it to the partner office (KE)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tracing.network.actions import request_send
from tracing.network.models import TracingRequest


def send_request(personas: Any, case: Any, *, level: str = "search", days: int = 14, **kw: Any) -> TracingRequest:
    sought = case.persons.get(role="sought")
    return request_send(
        acting_user=personas.supervisor, case_id=case.pk, to_office_id=kw.pop("to_office", personas.partner).pk,
        sought_person_id=sought.pk, question="Please search the camps near Dadaab for him.",
        due_date=timezone.localdate() + timedelta(days=days), share_level=level, **kw,
    )


@pytest.fixture
def sent_request(personas: Any, open_case: Any) -> TracingRequest:
    return send_request(personas, open_case)


@pytest.fixture
def accepted_request(personas: Any, sent_request: TracingRequest) -> TracingRequest:
    from tracing.network.actions import request_accept

    return request_accept(acting_user=personas.partner_caseworker, request_id=sent_request.pk)
