"""/api/v1/matches/: list, retrieve, confirm, reject; scoped by the policy, reads logged."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from matching.models import ProposalState
from tests.matching.db_helpers import Pair, make_pair, sought

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas: Any, open_case: Any) -> Pair:
    return make_pair(personas, open_case)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_and_retrieve(personas: Any, pair: Pair) -> None:
    listed = api(personas.caseworker).get("/api/v1/matches/", {"state": "proposed"})
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [str(pair.proposal.pk)]
    row = listed.json()["results"][0]
    assert row["decision"] == "likely" and row["can_decide"] is True
    assert all(f["a"] is None and f["b"] is None for f in row["explanation"])  # the list carries no values
    one = api(personas.caseworker).get(f"/api/v1/matches/{pair.proposal.pk}/").json()
    values = {f["comparison"]: {f["a"], f["b"]} for f in one["explanation"]}
    assert values["birth_place"] == {"Kismayo", "Kismaayo"}
    reads = AuditEvent.objects.filter(event_type="access.api_read", actor_id=personas.caseworker.pk)
    assert reads.count() == 2 and str(sought(pair.kenya).pk) in reads.last().person_ids


def test_filter_by_case(personas: Any, pair: Pair) -> None:
    response = api(personas.caseworker).get("/api/v1/matches/", {"case": str(pair.kenya.pk), "state": "rejected"})
    assert response.json()["count"] == 0
    response = api(personas.caseworker).get("/api/v1/matches/", {"case": str(pair.kenya.pk)})
    assert response.json()["count"] == 1


def test_outsider_sees_nothing_and_gets_404(personas: Any, pair: Pair) -> None:
    assert api(personas.outsider).get("/api/v1/matches/").json()["count"] == 0
    assert api(personas.outsider).get(f"/api/v1/matches/{pair.proposal.pk}/").status_code == 404
    response = api(personas.outsider).post(
        f"/api/v1/matches/{pair.proposal.pk}/confirm/", {"reason": "details_agree"}, format="json"
    )
    assert response.status_code == 404
    assert APIClient().get("/api/v1/matches/").status_code in (401, 403)


def test_confirm_and_reject(personas: Any, open_case: Any) -> None:
    pair = make_pair(personas, open_case)
    response = api(personas.supervisor).post(
        f"/api/v1/matches/{pair.proposal.pk}/confirm/", {"reason": "documents"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    pair.proposal.refresh_from_db()
    assert pair.proposal.state == ProposalState.CONFIRMED and pair.proposal.decided_by == personas.supervisor
    again = api(personas.supervisor).post(
        f"/api/v1/matches/{pair.proposal.pk}/reject/", {"reason": "different_person"}, format="json"
    )
    assert again.status_code == 409


def test_reject_validation_and_403(personas: Any, pair: Pair) -> None:
    bad = api(personas.caseworker).post(
        f"/api/v1/matches/{pair.proposal.pk}/reject/", {"reason": "documents"}, format="json"
    )
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    from tests.factories import staff
    from tracing.models import Role

    auditor = staff("net_aud", personas.home, Role.AUDITOR, network_wide=True)
    denied = api(auditor).post(
        f"/api/v1/matches/{pair.proposal.pk}/reject/", {"reason": "different_person"}, format="json"
    )
    assert denied.status_code == 403
    ok = api(personas.partner_caseworker).post(
        f"/api/v1/matches/{pair.proposal.pk}/reject/", {"reason": "different_person"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["state"] == "rejected"
    assert AuditEvent.objects.filter(event_type="match.rejected").count() == 1
