"""request_answer and request_close: the shareable note, outcome fields, notification, access."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEvent
from cases.models import CaseGroupObjectPermission, Note
from tracing.exceptions import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from tracing.models import OutboxMessage
from tracing.network.actions import request_answer, request_close
from tracing.network.models import TracingRequest
from tracing.permissions import visible

pytestmark = pytest.mark.django_db


def test_the_partner_answers_located_with_consent(personas: Any, accepted_request: TracingRequest) -> None:
    request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk, outcome="located",
                   consent_status="given", answer="Found him in Nairobi; he wants to be in touch.")
    accepted_request.refresh_from_db()
    assert (accepted_request.status, accepted_request.outcome, accepted_request.consent_status) == (
        "answered", "located", "given")
    note = accepted_request.answer_note
    assert note.visibility == "shareable" and note.author_office == personas.partner
    assert note.body == "Found him in Nairobi; he wants to be in touch."
    # The owning office reads the answer through the ordinary note visibility.
    assert visible(personas.caseworker, Note).filter(pk=note.pk).exists()
    event = AuditEvent.objects.get(event_type="network.request_answered")
    assert event.data == {"request_id": str(accepted_request.id), "outcome": "located", "consent_status": "given",
                          "note_id": str(note.id)}
    msgs = OutboxMessage.objects.filter(kind="network.request_answered")
    assert {m.to_user_id for m in msgs} == {personas.supervisor.pk, personas.caseworker.pk}
    assert all("Nairobi" not in m.body for m in msgs)


def test_not_found_records_what_was_searched_encrypted(personas: Any, accepted_request: TracingRequest) -> None:
    request_answer(acting_user=personas.partner_supervisor, request_id=accepted_request.pk, outcome="not_found",
                   searched="Dadaab registers 2015-2020, Kakuma hospital", answer="No trace so far.")
    accepted_request.refresh_from_db()
    assert accepted_request.searched == "Dadaab registers 2015-2020, Kakuma hospital"
    assert accepted_request.consent_status == ""
    with connection.cursor() as cur:
        cur.execute("SELECT searched FROM tracing_tracingrequest")
        assert "Kakuma" not in cur.fetchone()[0]


def test_answer_fields_are_checked(personas: Any, accepted_request: TracingRequest) -> None:
    for kwargs, field in [({"outcome": "located", "answer": "x"}, "consent_status"),
                          ({"outcome": "not_found", "answer": "x"}, "searched"),
                          ({"outcome": "located", "consent_status": "given", "answer": " "}, "answer"),
                          ({"outcome": "maybe", "answer": "x"}, "outcome")]:
        with pytest.raises(ValidationFailed) as err:
            request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk, **kwargs)
        assert field in err.value.field_errors
    accepted_request.refresh_from_db()
    assert accepted_request.status == "accepted" and not Note.objects.exists()


def test_needs_information_allows_a_second_answer(personas: Any, accepted_request: TracingRequest) -> None:
    request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk,
                   outcome="needs_information", answer="Which clan and which year did he leave?")
    request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk, outcome="not_found",
                   searched="Registers", answer="Nothing.")
    accepted_request.refresh_from_db()
    assert accepted_request.outcome == "not_found" and Note.objects.count() == 2
    assert OutboxMessage.objects.filter(kind="network.request_answered").count() == 4  # 2 answers x 2 people
    with pytest.raises(InvalidTransition):
        request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk,
                       outcome="not_found", searched="x", answer="again")


def test_an_unaccepted_request_cannot_be_answered(personas: Any, sent_request: TracingRequest) -> None:
    with pytest.raises(InvalidTransition):
        request_answer(acting_user=personas.partner_caseworker, request_id=sent_request.pk, outcome="not_found",
                       searched="x", answer="y")


def test_only_the_partner_answers(personas: Any, accepted_request: TracingRequest) -> None:
    for user, error in [(personas.supervisor, NotPermitted), (personas.outsider, NotFound),
                        (personas.auditor, NotPermitted), (personas.nobody, NotFound)]:
        with pytest.raises(error):
            request_answer(acting_user=user, request_id=accepted_request.pk, outcome="not_found", searched="x",
                           answer="y")
    assert not Note.objects.exists()


def test_closing_an_answered_request_ends_the_share(personas: Any, accepted_request: TracingRequest) -> None:
    request_answer(acting_user=personas.partner_caseworker, request_id=accepted_request.pk, outcome="not_found",
                   searched="x", answer="y")
    with pytest.raises(NotPermitted):
        request_close(acting_user=personas.partner_caseworker, request_id=accepted_request.pk)
    request_close(acting_user=personas.caseworker, request_id=accepted_request.pk)
    accepted_request.refresh_from_db()
    assert accepted_request.status == "closed" and accepted_request.closed_at is not None
    assert not CaseGroupObjectPermission.objects.exists()
    assert AuditEvent.objects.get(event_type="case.share_revoked").data["cause"] == "closed"
    assert AuditEvent.objects.filter(event_type="network.request_closed").count() == 1
