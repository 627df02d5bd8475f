"""One case's full story: history rows (fields changed, by ciphertext token), reads, shares,
requests and disclosures, merged by time; nothing decrypted; 404 outside the auditor's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.test import RequestFactory
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cases.actions import case_update, consent_record, contact_disclose, note_add, person_update
from cases.models import PersonRole
from cases.selectors import case_detail
from tests.audit.conftest import PLAINTEXT
from tests.audit.workspace import auditor_views, client_as, network_auditor, non_auditors, partner_auditor
from tracing.network.actions import request_send

pytestmark = pytest.mark.django_db

NEW_PLACE = "Baidoa district hospital"
NOTE = "Spoke with the uncle in Garissa"


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """What HistoryRequestMiddleware does for a web request: history rows name the user."""
    request = RequestFactory().get("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


@pytest.fixture
def story(personas: Any, open_case: Any) -> Any:
    sought = open_case.persons.get(role=PersonRole.SOUGHT)
    with acting_as(personas.caseworker):
        case_update(acting_user=personas.caseworker, case_id=open_case.id, expected_version=None,
                    separation_place="Jilib")
        person_update(acting_user=personas.caseworker, person_id=sought.id, data={"birth_place": NEW_PLACE})
        note_add(acting_user=personas.caseworker, case_id=open_case.id, body=NOTE, visibility="internal")
        consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                       scope="share_contact", source="phone")
        contact_disclose(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                         kind="contact", content="Phone number of the found brother")
    case_detail(user=personas.supervisor, case_id=open_case.id, purpose="supervision")
    with acting_as(personas.supervisor):
        request_send(acting_user=personas.supervisor, case_id=open_case.id, to_office_id=personas.partner.pk,
                     sought_person_id=sought.id, question="Please search the camp registers",
                     due_date=timezone.localdate() + dt.timedelta(days=30))
    open_case.sought_id = sought.id
    return open_case


def url(case: Any) -> str:
    return f"/audit/cases/{case.id}/"


def test_only_auditors_of_the_case_office_see_its_story(personas: Any, story: Any) -> None:
    for user in non_auditors(personas):
        assert client_as(user).get(url(story)).status_code == 403
    # Another office's auditor: the case does not exist for them.
    response = client_as(partner_auditor(personas)).get(url(story))
    assert response.status_code == 404 and story.reference not in response.content.decode()
    assert client_as(network_auditor(personas)).get(url(story)).status_code == 200


def test_the_story_merges_changes_reads_shares_requests_and_disclosures(personas: Any, story: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the case story decrypted a value")

    with mock.patch("tracing.crypto.fields.open_token", side_effect=refuse):
        response = client_as(personas.auditor).get(url(story))
    assert response.status_code == 200
    entries = response.context["timeline"].entries
    assert {e.kind for e in entries} == {"change", "read", "share", "request", "disclosure", "event"}
    assert [e.when for e in entries] == sorted(e.when for e in entries)

    def changed(record: str) -> list[list[str]]:
        return [e.fields for e in entries if e.record == record and e.label.endswith("changed")]

    # Exactly the edited fields, found by comparing tokens; touch() bumps version and time.
    assert ["separation_place", "updated_at", "version"] in [sorted(f) for f in changed("Case")]
    # Each person got its display name after its names were written; then the one edit.
    assert changed("Person") == [["display_name"], ["display_name"], ["birth_place"]]
    created = {e.record for e in entries if e.label.endswith("created")}
    assert {"Case", "Person", "PersonName", "PersonPlace", "Note", "Consent", "Disclosure"} <= created
    person_change = [e for e in entries if e.record == "Person" and e.label.endswith("changed")][-1]
    assert person_change.actor == "cw" and person_change.record_id == str(story.sought_id)
    reads = [e for e in entries if e.kind == "read"]
    assert [(e.label, e.actor) for e in reads] == [("access.view", "sup")]
    assert [e.label for e in entries if e.kind == "share"] == ["case.shared"]
    assert [e.label for e in entries if e.kind == "request"] == ["network.request_sent"]
    assert [e.label for e in entries if e.kind == "disclosure"] == ["contact.disclosed"]
    html = response.content.decode()
    assert story.reference in html and "birth_place" in html
    leaked = [s for s in [*PLAINTEXT, NEW_PLACE, "Jilib", NOTE, "found brother", "camp registers"] if s in html]
    assert leaked == []
    [view] = auditor_views(personas.auditor, "case_timeline")
    assert view.case_id == str(story.id) and view.data["detail"]["entries"] == len(entries)


def test_a_list_read_that_included_the_case_is_part_of_its_story(personas: Any, open_case: Any) -> None:
    from cases.selectors import case_list, log_list_read

    log_list_read(user=personas.caseworker2, cases=list(case_list(user=personas.caseworker2)))
    entries = client_as(personas.auditor).get(url(open_case)).context["timeline"].entries
    assert [(e.label, e.actor) for e in entries if e.kind == "read"] == [("access.view", "cw2")]
