"""The workspace's event list: auditors only, scoped to the office, filters, pages, logged views."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.events import record_event
from audit.models import AuditEvent
from tests.audit.workspace import auditor_views, client_as, network_auditor, non_auditors, partner_auditor

URL = "/audit/"


def _seqs(response: Any) -> list[int]:
    """The listed events, without the sign-ins and page views the test's own clients cause."""
    page = response.context["page"]
    own = ("auth.", "access.auditor_view")
    return [e.seq for e in page.object_list if not e.event_type.startswith(own)] if page else []


def _event(actor: Any, office: Any, event_type: str = "case.updated", **kw: Any) -> AuditEvent:
    return record_event(event_type=event_type, actor=actor, office=office, **kw)


@pytest.mark.django_db
def test_only_auditors_reach_the_workspace(personas: Any, open_case: Any) -> None:
    urls = [URL, "/audit/persons/", "/audit/verification/", f"/audit/cases/{open_case.id}/"]
    for user in non_auditors(personas):
        for url in urls:
            assert client_as(user).get(url).status_code == 403, (user.username, url)
        assert client_as(user).post("/audit/export/", {"format": "csv"}).status_code == 403
        assert client_as(user).post("/audit/verification/").status_code == 403
    anonymous = client_as(None).get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_as(personas.nobody).get(URL)["Location"].startswith("/accounts/login/")
    # Refused users leave no auditor view behind; the auditor's page is logged.
    assert not AuditEvent.objects.filter(event_type="access.auditor_view").exists()
    assert client_as(personas.auditor).get(URL).status_code == 200
    [view] = auditor_views(personas.auditor, "events")
    assert view.data["purpose"] == "audit" and view.actor_office_id == personas.home.pk


@pytest.mark.django_db
def test_office_auditor_sees_only_events_of_their_office(personas: Any) -> None:
    home = _event(personas.caseworker, personas.home)
    partner = _event(personas.partner_caseworker, personas.partner)
    # A home caseworker acting on the partner's record: made by home staff, so home sees it.
    by_home_staff = _event(personas.caseworker, personas.partner, "network.request_accepted")
    outsider = _event(personas.outsider, personas.other)
    no_office = _event(None, None, "permission.denied")

    made = {e.seq for e in (home, partner, by_home_staff, outsider, no_office)}

    def seen(user: Any) -> set[int]:
        return set(_seqs(client_as(user).get(URL))) & made  # sign-ins are events too

    assert seen(personas.auditor) == {home.seq, by_home_staff.seq}
    assert seen(partner_auditor(personas)) == {partner.seq, by_home_staff.seq}
    assert seen(network_auditor(personas)) == made
    # The office filter offers only the auditor's own office: asking for another shows nothing.
    response = client_as(personas.auditor).get(URL, {"office": personas.partner.pk})
    assert response.context["page"] is None and "office" in response.context["form"].errors


@pytest.mark.django_db
def test_filters_by_office_user_case_person_type_and_dates(personas: Any, open_case: Any) -> None:
    person = str(uuid.uuid4())
    day = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    with mock.patch("audit.events.timezone.now", return_value=day):
        old = _event(personas.supervisor, personas.home, "case.assigned", case_id=open_case.id)
    with mock.patch("audit.events.timezone.now", return_value=day + dt.timedelta(days=5)):
        read = record_event(event_type="access.view", actor=personas.caseworker, office=personas.home,
                            person_ids=[person], data={"kind": "view", "case_ids": [str(open_case.id)]})
    net = network_auditor(personas)
    partner = _event(personas.partner_caseworker, personas.partner, "network.request_accepted",
                     case_id=open_case.id)
    c = client_as(net)
    opened = AuditEvent.objects.get(event_type="case.opened").seq
    assert _seqs(c.get(URL, {"office": personas.partner.pk})) == [partner.seq]
    assert _seqs(c.get(URL, {"user": "sup"})) == [old.seq]
    # By reference; the list read names the case only in data["case_ids"] and is found too.
    assert _seqs(c.get(URL, {"case": open_case.reference})) == [opened, old.seq, read.seq, partner.seq]
    assert _seqs(c.get(URL, {"person": person})) == [read.seq]
    assert _seqs(c.get(URL, {"event_type": "access."})) == [read.seq]
    assert _seqs(c.get(URL, {"event_type": "case.assigned"})) == [old.seq]
    assert _seqs(c.get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-10"})) == [old.seq]
    assert _seqs(c.get(URL, {"date_from": "2026-03-11", "date_to": "2026-03-15"})) == [read.seq]
    unknown = c.get(URL, {"case": "XX-0000"})
    assert unknown.context["page"] is None and "case" in unknown.context["form"].errors
    # The filtered view is logged with its selection and the ids it asked about.
    by_case = [v for v in auditor_views(net, "events") if v.data["detail"]["filters"].get("case_id")]
    assert by_case[0].data["case_ids"] == [str(open_case.id)]
    by_person = [v for v in auditor_views(net, "events") if v.data["detail"]["filters"].get("person_id")]
    assert by_person[0].person_ids == [person]


@pytest.mark.django_db
def test_office_auditor_cannot_filter_by_another_office_case(personas: Any, open_case: Any) -> None:
    response = client_as(partner_auditor(personas)).get(URL, {"case": open_case.reference})
    assert response.context["page"] is None and "case" in response.context["form"].errors


@pytest.mark.django_db
def test_pages_of_fifty_with_a_constant_number_of_queries(personas: Any) -> None:
    for _ in range(5):
        _event(personas.caseworker, personas.home)
    c = client_as(personas.auditor)
    c.get(URL)  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        assert len(_seqs(c.get(URL))) == 5
    for _ in range(120):
        _event(personas.caseworker, personas.home)
    with CaptureQueriesContext(connection) as many:
        response = c.get(URL, {"page": 2})
    assert len(response.context["page"].object_list) == 50 and response.context["page"].paginator.num_pages == 3
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
