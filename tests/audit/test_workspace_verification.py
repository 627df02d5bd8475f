"""Chain verification from the workspace: a button, its result (ok, first bad seq, problems),
the checkpoints; a tampered chain shows as failed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from audit.checkpoints import write_checkpoint
from audit.events import record_event
from audit.models import AuditEvent, AuditVerification, JobStatus
from tests.audit.dbtools import tamper
from tests.audit.workspace import auditor_views, client_as, non_auditors

pytestmark = pytest.mark.django_db
URL = "/audit/verification/"


@pytest.fixture
def chain(personas: Any) -> list[AuditEvent]:
    made = [record_event(event_type="case.transition", actor=personas.caseworker, office=personas.home,
                         case_id=f"case-{i}", data={"to": "searching"}) for i in range(5)]
    write_checkpoint()
    return made


def test_only_auditors_verify(personas: Any, chain: list[AuditEvent]) -> None:
    for user in non_auditors(personas):
        assert client_as(user).get(URL).status_code == 403
        assert client_as(user).post(URL).status_code == 403
    assert not AuditVerification.objects.exists()


def test_an_intact_chain_verifies_and_the_checkpoints_are_listed(personas: Any, chain: list[AuditEvent]) -> None:
    c = client_as(personas.auditor)
    response = c.post(URL)
    run = AuditVerification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}?run={run.pk}"
    assert (run.status, run.ok, run.first_bad_seq, run.requested_by_id) == (JobStatus.DONE, True, None,
                                                                            personas.auditor.pk)
    assert run.result["problems"] == [] and run.result["last_seq"] >= 5
    page = c.get(response["Location"])
    html = page.content.decode()
    assert "Verified: the chain is intact" in html and "FAILED" not in html
    assert "family-tracing/audit\n5\n" in html  # the newest checkpoint as a signed note
    assert [cp.size for cp in page.context["checkpoints"].object_list] == [5]
    recorded = AuditEvent.objects.get(event_type="audit.verified")
    assert recorded.data["ok"] is True and recorded.data["run"] == str(run.pk)
    assert len(auditor_views(personas.auditor, "verification")) == 1


def test_a_tampered_chain_shows_as_failed_with_its_first_bad_seq(personas: Any, chain: list[AuditEvent]) -> None:
    assert tamper("UPDATE audit_auditevent SET data = %s WHERE seq = 3", [json.dumps({"to": "closed"})]) == 1
    c = client_as(personas.auditor)
    c.post(URL)
    run = AuditVerification.objects.get()
    assert (run.ok, run.first_bad_seq) == (False, 3)
    assert [(p["code"], p["seq"]) for p in run.result["problems"]] == [("hash_mismatch", 3)]
    html = c.get(URL).content.decode()
    assert "FAILED" in html and '<dd class="audit-first-bad">3</dd>' in html
    assert "event 3: hash does not match its content (edited)" in html
    assert AuditEvent.objects.get(event_type="audit.verified").data["first_bad_seq"] == 3


def test_a_long_chain_is_verified_by_a_task(personas: Any, chain: list[AuditEvent], settings: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    settings.AUDIT_VERIFY_INLINE_MAX = 2
    c = client_as(personas.auditor)
    c.post(URL)  # queued, not run: the test transaction never commits
    assert AuditVerification.objects.get().status == JobStatus.PENDING
    assert c.get(URL)["Refresh"] == "3"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        c.post(URL)
    assert len(callbacks) == 1
    done = AuditVerification.objects.filter(status=JobStatus.DONE).get()
    assert done.ok is True
