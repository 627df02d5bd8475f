"""The review pages: list, side-by-side detail, confirm/reject forms, the case panel and its
"Find matches" button; every page that shows names logs the read."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from matching.models import ProposalState
from tests.matching.db_helpers import Pair, make_pair, sought

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas: Any, open_case: Any) -> Pair:
    return make_pair(personas, open_case)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_visible_proposals_and_logs_the_read(personas: Any, pair: Pair) -> None:
    response = signed_in(personas.caseworker).get(reverse("matching:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mohammed Abdi Hassan" in body and "Maxamed Cabdi Xasan" in body
    assert "Kismaayo" not in body  # the list decrypts names only
    event = AuditEvent.objects.filter(event_type="access.view", actor_id=personas.caseworker.pk).last()
    assert str(sought(pair.kenya).pk) in event.person_ids and event.data["detail"] == {"match_proposals": 1}


def test_the_list_is_empty_for_the_outsider_and_filters_by_state(personas: Any, pair: Pair) -> None:
    body = signed_in(personas.outsider).get(reverse("matching:list")).content.decode()
    assert "Mohammed" not in body and "Maxamed" not in body
    body = signed_in(personas.caseworker).get(reverse("matching:list"), {"state": "confirmed"}).content.decode()
    assert "Maxamed" not in body


def test_the_detail_page_is_side_by_side_and_404_for_others(personas: Any, pair: Pair) -> None:
    url = reverse("matching:detail", args=[pair.proposal.pk])
    response = signed_in(personas.caseworker).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kismayo" in body and "Kismaayo" in body and "agree" in body
    assert f'action="{reverse("matching:confirm", args=[pair.proposal.pk])}"' in body
    for who in ("outsider", "admin", "auditor"):
        assert signed_in(getattr(personas, who)).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_confirm_through_the_form(personas: Any, pair: Pair) -> None:
    client = signed_in(personas.partner_caseworker)
    url = reverse("matching:confirm", args=[pair.proposal.pk])
    response = client.post(url, {"confirm-reason": "confirmed_by_person", "confirm-detail": ""})
    assert response.status_code == 302
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.CONFIRMED and pair.proposal.decided_by == personas.partner_caseworker
    assert AuditEvent.objects.filter(event_type="match.confirmed").count() == 1


def test_a_form_error_is_shown_and_nothing_changes(personas: Any, pair: Pair) -> None:
    url = reverse("matching:reject", args=[pair.proposal.pk])
    response = signed_in(personas.caseworker).post(url, {"reject-reason": "other", "reject-detail": ""})
    assert response.status_code == 400
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.PROPOSED


def test_reject_by_an_outsider_is_404(personas: Any, pair: Pair) -> None:
    url = reverse("matching:reject", args=[pair.proposal.pk])
    response = signed_in(personas.outsider).post(url, {"reject-reason": "different_person"})
    assert response.status_code == 404
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.PROPOSED


def test_the_case_panel_and_find_matches(personas: Any, pair: Pair, django_capture_on_commit_callbacks: Any) -> None:
    client = signed_in(personas.caseworker)
    panel = client.get(reverse("matching:case", args=[pair.home.pk]))
    assert panel.status_code == 200 and "Maxamed Cabdi Xasan" in panel.content.decode()
    assert reverse("matching:find", args=[pair.home.pk]) in panel.content.decode()
    with mock.patch("matching.tasks.match_person.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("matching:find", args=[pair.home.pk]))
    assert response.status_code == 302
    assert sorted(c.args[0] for c in delay.call_args_list) == sorted(str(p.pk) for p in pair.home.persons.all())
    assert AuditEvent.objects.get(event_type="match.requested").data == {"persons": 2}


def test_find_matches_needs_edit_rights(personas: Any, pair: Pair) -> None:
    # The Kenyan caseworker sees the home case (search share) but may not edit it.
    client = signed_in(personas.partner_caseworker)
    assert client.post(reverse("matching:find", args=[pair.home.pk])).status_code == 403
    assert signed_in(personas.outsider).post(reverse("matching:find", args=[pair.home.pk])).status_code == 404
    assert signed_in(personas.outsider).get(reverse("matching:case", args=[pair.home.pk])).status_code == 404
    assert not AuditEvent.objects.filter(event_type="match.requested").exists()
