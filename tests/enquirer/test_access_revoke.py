"""enquirer_access_revoke / found_access_revoke: a revoked code stops working, open sessions end."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.models import Case
from tests.enquirer.conftest import events, sign_in, sought
from tracing.exceptions import NotFound
from tracing.public.actions import IssuedAccess, enquirer_access_revoke, found_access_revoke

pytestmark = pytest.mark.django_db


def test_revoked_code_stops_working_and_ends_the_session(personas: Any, accepted_case: Case, issued: IssuedAccess,
                                                         enquirer_client: Client) -> None:
    assert enquirer_client.get("/status/case/").status_code == 200
    assert enquirer_access_revoke(acting_user=personas.caseworker, case_id=accepted_case.id) == 1
    issued.access.refresh_from_db()
    assert issued.access.revoked_at is not None
    response = enquirer_client.get("/status/case/")
    assert response.status_code == 302 and response["Location"] == "/status/"
    assert sign_in(Client(), issued).status_code == 400
    (event,) = events(accepted_case, "public.access_revoked")
    assert event.data == {"audience": "enquirer", "count": 1}
    assert events(accepted_case, "enquirer.access_failed")[-1].data["reason"] == "wrong_code"


def test_found_code_revoked(personas: Any, located_case: Case, found_issued: IssuedAccess,
                            found_client: Client) -> None:
    found_access_revoke(acting_user=personas.caseworker, case_id=located_case.id, person_id=sought(located_case).id)
    assert found_client.get("/consent/answer/")["Location"] == "/consent/"
    assert sign_in(Client(), found_issued, path="/consent/").status_code == 400


def test_revoking_needs_the_owning_office(personas: Any, accepted_case: Case, issued: IssuedAccess) -> None:
    with pytest.raises(NotFound):
        enquirer_access_revoke(acting_user=personas.outsider, case_id=accepted_case.id)
    issued.access.refresh_from_db()
    assert issued.access.revoked_at is None
