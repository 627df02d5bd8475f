"""Legal holds: set and released by supervisors of the owning office only, audited."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from privacy.actions import legal_hold_release, legal_hold_set
from privacy.models import LegalHold
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


def test_supervisor_sets_and_releases_a_hold(personas: Any, open_case: Any) -> None:
    hold = legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="litigation")
    assert hold.active and hold.set_by == personas.supervisor
    event = AuditEvent.objects.get(event_type="legal_hold.set")
    assert event.actor_id == personas.supervisor.pk and event.case_id == str(open_case.pk)
    assert event.data == {"hold": hold.pk, "reason": "litigation"}

    released = legal_hold_release(acting_user=personas.supervisor, hold_id=hold.pk)
    assert not released.active and released.released_by == personas.supervisor
    assert AuditEvent.objects.get(event_type="legal_hold.released").data == {"hold": hold.pk, "reason": "litigation"}
    # Releasing again changes nothing and records nothing.
    legal_hold_release(acting_user=personas.supervisor, hold_id=hold.pk)
    assert AuditEvent.objects.filter(event_type="legal_hold.released").count() == 1
    # The case can be held again after a release.
    legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="authority")
    assert LegalHold.objects.filter(case=open_case).count() == 2


def test_one_active_hold_per_case_and_a_known_reason(personas: Any, open_case: Any) -> None:
    with pytest.raises(ValidationFailed):
        legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="because")
    legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="litigation")
    with pytest.raises(ValidationFailed):
        legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="authority")
    assert LegalHold.objects.count() == 1


@pytest.mark.parametrize(("who", "error"), [
    ("caseworker", NotPermitted), ("auditor", NotPermitted), ("admin", NotFound), ("outsider", NotFound),
    ("partner_supervisor", NotFound),
])
def test_only_the_owning_supervisor_may_set_or_release(personas: Any, open_case: Any, who: str,
                                                        error: type[Exception]) -> None:
    user = getattr(personas, who)
    with pytest.raises(error):
        legal_hold_set(acting_user=user, case_id=open_case.pk, reason="litigation")
    hold = legal_hold_set(acting_user=personas.supervisor, case_id=open_case.pk, reason="litigation")
    with pytest.raises(error):
        legal_hold_release(acting_user=user, hold_id=hold.pk)
    assert LegalHold.objects.get().active
    assert AuditEvent.objects.filter(event_type__startswith="legal_hold.").count() == 1


def test_hold_pages_and_api(personas: Any, open_case: Any, client: Any) -> None:
    from rest_framework.test import APIClient

    client.force_login(personas.supervisor)
    assert client.get(f"/privacy/cases/{open_case.pk}/hold/").status_code == 200
    response = client.post(f"/privacy/cases/{open_case.pk}/hold/", {"reason": "investigation"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.reason == "investigation"
    page = client.get("/privacy/").content.decode()
    assert open_case.reference in page
    assert client.post(f"/privacy/cases/{open_case.pk}/hold/", {"reason": "litigation"}).status_code == 400
    assert client.post(f"/privacy/holds/{hold.pk}/release/").status_code == 302
    assert not LegalHold.objects.get().active

    api = APIClient()
    api.force_authenticate(personas.supervisor)
    response = api.post(f"/api/v1/privacy/cases/{open_case.pk}/hold/", {"reason": "authority"}, format="json")
    assert response.status_code == 201 and response.json()["case_reference"] == open_case.reference
    held = response.json()["id"]
    assert api.post(f"/api/v1/privacy/holds/{held}/release/").json()["released_at"]
    api.force_authenticate(personas.caseworker)
    assert api.post(f"/api/v1/privacy/cases/{open_case.pk}/hold/", {"reason": "authority"},
                    format="json").status_code == 403
    api.force_authenticate(personas.outsider)
    assert api.post(f"/api/v1/privacy/holds/{held}/release/").status_code == 404
