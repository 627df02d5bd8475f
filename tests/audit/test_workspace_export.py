"""Exports of the selection: CSV (formula-safe) and JSON with the chain proof; large ones in the
background, downloadable only by the auditor who asked; every export logged and recorded."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from audit.chain import event_hash
from audit.checkpoints import signed_note, write_checkpoint
from audit.events import record_event
from audit.exports import COLUMNS, safe_cell
from audit.models import AuditCheckpoint, AuditEvent, AuditExport, JobStatus
from tests.audit.workspace import client_as, network_auditor, non_auditors
from tests.factories import staff
from tracing.models import Role

pytestmark = pytest.mark.django_db
URL = "/audit/export/"
HOSTILE_USER = "=HYPERLINK(evil)"
HOSTILE_CASE = "@SUM(1+1)"


@pytest.fixture
def selection(personas: Any) -> list[AuditEvent]:
    hostile = staff(HOSTILE_USER, personas.home, Role.CASEWORKER)
    made = [
        record_event(event_type="case.updated", actor=personas.caseworker, office=personas.home,
                     case_id="c-1", data={"fields": ["priority"]}),
        record_event(event_type="case.updated", actor=hostile, office=personas.home, case_id=HOSTILE_CASE,
                     person_ids=["p-1"], data={"fields": ["-minus", "+plus"]}),
    ]
    write_checkpoint()
    return made


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


def test_only_auditors_export(personas: Any, selection: list[AuditEvent]) -> None:
    for user in non_auditors(personas):
        assert client_as(user).post(URL, {"format": "csv"}).status_code == 403
    assert client_as(personas.auditor).get(URL).status_code == 405
    assert client_as(personas.auditor).post(URL, {"format": "xlsx"}).status_code == 400
    assert not AuditEvent.objects.filter(event_type="export").exists()


def test_safe_cell_neutralises_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("case.updated") == "case.updated" and safe_cell(None) == "" and safe_cell(42) == "42"


def test_csv_export_holds_the_events_their_hashes_and_the_proof(personas: Any,
                                                                selection: list[AuditEvent]) -> None:
    response = client_as(personas.auditor).post(URL, {"format": "csv", "event_type": "case.updated"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="audit-events.csv"'
    rows = _rows(response.content)
    assert rows[0] == list(COLUMNS)
    events = rows[1:3]
    assert [int(r[0]) for r in events] == [e.seq for e in selection]
    by_name = [dict(zip(COLUMNS, r, strict=True)) for r in events]
    assert [(r["hash"], r["prev_hash"]) for r in by_name] == [(e.hash, e.prev_hash) for e in selection]
    # Formula starts are neutralised; JSON cells start with [ or { and stay as they are.
    assert by_name[1]["actor_username"] == "'" + HOSTILE_USER and by_name[1]["case_id"] == "'" + HOSTILE_CASE
    assert json.loads(by_name[1]["data"]) == {"fields": ["-minus", "+plus"]}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert rows[3] == []
    checkpoint = AuditCheckpoint.objects.get()
    assert rows[4] == ["proof", "checkpoint_signed_note", signed_note(checkpoint)]
    verification = json.loads(rows[5][2])
    assert rows[5][:2] == ["proof", "verification"] and verification["ok"] is True
    assert verification["events"] == checkpoint.size + 1  # the sign-in came after the checkpoint


def test_json_export_lets_anyone_recompute_each_hash(personas: Any, selection: list[AuditEvent]) -> None:
    response = client_as(personas.auditor).post(URL, {"format": "json", "event_type": "case.updated"})
    assert response["Content-Disposition"] == 'attachment; filename="audit-events.json"'
    body = json.loads(response.content)
    assert body["count"] == 2 and body["filters"] == {"event_type": "case.updated"}
    assert body["exported_by"] == "aud"
    for exported, event in zip(body["events"], selection, strict=True):
        assert exported["hash"] == event.hash
        columns = {k: v for k, v in exported.items() if k != "hash"}
        assert event_hash(**columns) == exported["hash"]  # unaltered values, hashable as exported
    assert body["events"][1]["actor_username"] == HOSTILE_USER
    proof = body["proof"]
    assert proof["checkpoint"]["signed_note"] == signed_note(AuditCheckpoint.objects.get())
    assert proof["verification"]["ok"] is True and proof["verification"]["first_bad_seq"] is None
    # The export is a read and a domain event of the auditor, with what was exported.
    logged = AuditEvent.objects.get(event_type="access.export")
    recorded = AuditEvent.objects.get(event_type="export")
    assert logged.actor_id == recorded.actor_id == personas.auditor.pk
    assert logged.data["detail"] == {"format": "json", "events": 2, "filters": {"event_type": "case.updated"}}
    assert recorded.data["what"] == "audit_events" and recorded.data["events"] == 2


def test_office_auditor_exports_only_their_office(personas: Any, selection: list[AuditEvent]) -> None:
    record_event(event_type="case.updated", actor=personas.partner_caseworker, office=personas.partner)
    body = json.loads(client_as(personas.auditor).post(URL, {"format": "json"}).content)
    assert body["events"] and {(e["office_id"], e["actor_office_id"]) for e in body["events"]} <= {
        (personas.home.pk, personas.home.pk), (None, personas.home.pk)}


def test_large_export_runs_in_the_background_for_its_owner_only(
        personas: Any, selection: list[AuditEvent], settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.AUDIT_EXPORT_INLINE_MAX = 1
    owner = client_as(personas.auditor)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner.post(URL, {"format": "csv", "event_type": "case.updated"})
    job = AuditExport.objects.get()
    assert len(callbacks) == 1 and response.status_code == 302
    assert response["Location"] == f"/audit/exports/{job.pk}/"
    assert (job.status, job.total, job.processed, job.requested_by_id) == (JobStatus.DONE, 2, 2, personas.auditor.pk)
    assert job.file == f"audit-exports/{job.pk}.csv"
    assert (Path(django_settings.MEDIA_ROOT) / job.file).is_file()
    status = owner.get(response["Location"])
    assert status.status_code == 200 and "Refresh" not in status and "/download/" in status.content.decode()
    download = owner.get(f"/audit/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="audit-events-{job.pk}.csv"'
    rows = _rows(b"".join(download.streaming_content))
    assert [int(r[0]) for r in rows[1:3]] == [e.seq for e in selection] and rows[4][0] == "proof"
    recorded = AuditEvent.objects.get(event_type="export")
    assert recorded.data["job"] == str(job.pk) and recorded.actor_id == personas.auditor.pk
    # Another auditor, even network-wide, cannot tell the job exists; others are refused.
    other = client_as(network_auditor(personas))
    assert other.get(f"/audit/exports/{job.pk}/").status_code == 404
    assert other.get(f"/audit/exports/{job.pk}/download/").status_code == 404
    assert client_as(personas.caseworker).get(f"/audit/exports/{job.pk}/download/").status_code == 403


def test_a_waiting_export_page_refreshes_itself(personas: Any, selection: list[AuditEvent], settings: Any) -> None:
    settings.AUDIT_EXPORT_INLINE_MAX = 1
    owner = client_as(personas.auditor)
    response = owner.post(URL, {"format": "json"})  # no commit in the test transaction: still pending
    job = AuditExport.objects.get()
    status = owner.get(response["Location"])
    assert job.status == JobStatus.PENDING and status["Refresh"] == "3"
    assert owner.get(f"/audit/exports/{job.pk}/download/").status_code == 404
