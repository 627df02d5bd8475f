"""Who accessed a person's data (data subject access request): readers and every event naming them."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.models import PersonRole
from cases.selectors import case_detail
from tests.audit.workspace import auditor_views, client_as, network_auditor, non_auditors, partner_auditor

pytestmark = pytest.mark.django_db
URL = "/audit/persons/"


def test_only_auditors_may_ask(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role=PersonRole.SOUGHT)
    for user in non_auditors(personas):
        assert client_as(user).get(URL, {"person": str(sought.id)}).status_code == 403
    assert client_as(None).get(URL).status_code == 302


def test_readers_of_a_person_per_user_and_every_event_naming_them(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role=PersonRole.SOUGHT)
    enquirer = open_case.persons.get(role=PersonRole.ENQUIRER)
    case_detail(user=personas.caseworker, case_id=open_case.id)
    case_detail(user=personas.caseworker, case_id=open_case.id)
    case_detail(user=personas.supervisor, case_id=open_case.id, purpose="supervision")
    response = client_as(personas.auditor).get(URL, {"person": str(sought.id)})
    assert response.status_code == 200
    readers = {(r["actor_username"], r["actor_office__code"]): r["reads"] for r in response.context["readers"]}
    assert readers == {("cw", "NL"): 2, ("sup", "NL"): 1}
    listed = [e.event_type for e in response.context["page"].object_list]
    assert listed == ["case.opened", "access.view", "access.view", "access.view"]
    # Every event naming the person, up to this page's own logged view (written after it).
    expected = [e.seq for e in AuditEvent.objects.exclude(event_type="access.auditor_view").order_by("seq")
                if str(sought.id) in e.person_ids]
    assert [e.seq for e in response.context["page"].object_list] == expected
    assert str(enquirer.id) in AuditEvent.objects.get(event_type="case.opened").person_ids
    [view] = auditor_views(personas.auditor, "person_access")
    assert view.person_ids == [str(sought.id)] and view.data["detail"] == {
        "page": "person_access", "readers": 2, "rows": 4}


def test_reads_by_another_office_are_outside_an_office_auditors_scope(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role=PersonRole.SOUGHT)
    case_detail(user=personas.caseworker, case_id=open_case.id)
    response = client_as(partner_auditor(personas)).get(URL, {"person": str(sought.id)})
    assert response.status_code == 200 and response.context["readers"] == []
    assert response.context["page"].paginator.count == 0
    everything = client_as(network_auditor(personas)).get(URL, {"person": str(sought.id)})
    # The partner auditor's own look-up named the person: it is a read too, and shows.
    assert [r["actor_username"] for r in everything.context["readers"]] == ["ke_aud", "cw"]


def test_without_a_person_the_page_only_asks(personas: Any) -> None:
    response = client_as(personas.auditor).get(URL)
    assert response.status_code == 200 and response.context["page"] is None
    bad = client_as(personas.auditor).get(URL, {"person": "not-an-id"})
    assert bad.status_code == 200 and "person" in bad.context["form"].errors
