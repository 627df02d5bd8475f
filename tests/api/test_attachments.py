"""Attachments: upload (multipart, sniffed type, size), list by level, download with safe headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from cases.actions import attachment_add, person_erase
from cases.attachments import attachment_path
from cases.models import Attachment
from tests.api.conftest import api_reads, case_url, share

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a scanned letter from the Red Crescent\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(client: Any, case: Any, content: bytes = PDF, name: str = "letter.pdf", **extra: Any) -> Any:
    data = {"file": SimpleUploadedFile(name, content, content_type="application/pdf"), **extra}
    return client.post(case_url(case, "attachments/"), data, format="multipart")


@pytest.fixture
def files(personas: Any, open_case: Any) -> dict[str, Attachment]:
    sought = open_case.persons.get(role="sought")
    return {
        "internal": attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="id-card.png",
                                   content=PNG, person_id=sought.id),
        "shareable": attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="photo.png",
                                    content=PNG, shareable=True),
    }


def test_upload(personas: Any, open_case: Any, client_for: Any) -> None:
    sought = open_case.persons.get(role="sought")
    response = _upload(client_for(personas.caseworker), open_case, person=str(sought.id), description="Letter",
                       shareable="true")
    assert response.status_code == 201
    body = response.json()
    assert body["filename"] == "letter.pdf" and body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["shareable"] is True and body["person"] == str(sought.id)
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.uploaded_by == personas.caseworker
    assert b"Red Crescent" not in attachment_path(attachment.id).read_bytes()  # sealed on disk
    assert AuditEvent.objects.get(event_type="attachment.added").data["size"] == len(PDF)


def test_upload_validation(personas: Any, open_case: Any, client_for: Any, settings: Any) -> None:
    client = client_for(personas.caseworker)
    response = _upload(client, open_case, content=b"MZ\x90\x00 an executable", name="letter.pdf")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["file"]
    response = client.post(case_url(open_case, "attachments/"), {"description": "no file"}, format="multipart")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["file"]
    response = _upload(client, open_case, person="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["person"]
    settings.TRACING_MAX_ATTACHMENT_BYTES = 16
    response = _upload(client, open_case)
    assert response.status_code == 400 and response.json()["errors"] == {"file": ["At most 10 MB."]}
    assert Attachment.objects.count() == 0


def test_upload_access(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "full")
    assert _upload(client_for(personas.partner_supervisor), open_case).status_code == 403
    assert _upload(client_for(personas.auditor), open_case).status_code == 403
    assert _upload(client_for(personas.outsider), open_case).status_code == 404
    assert _upload(client_for(None), open_case).status_code == 401
    assert Attachment.objects.count() == 0


def test_list_by_level(personas: Any, open_case: Any, files: dict, client_for: Any) -> None:
    rows = client_for(personas.caseworker).get(case_url(open_case, "attachments/")).json()["results"]
    assert {r["filename"] for r in rows} == {"id-card.png", "photo.png"}
    share(open_case, personas, "search")
    response = client_for(personas.partner_caseworker).get(case_url(open_case, "attachments/"))
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(files["shareable"].id)]
    event = api_reads(personas.partner_caseworker)[0]
    assert event.data["detail"] == {"attachments": 1} and "photo" not in str(event.data)
    assert client_for(personas.outsider).get(case_url(open_case, "attachments/")).status_code == 404
    assert client_for(personas.nobody).get(case_url(open_case, "attachments/")).status_code == 403


def test_download(personas: Any, open_case: Any, files: dict, client_for: Any) -> None:
    attachment = files["internal"]
    response = client_for(personas.caseworker).get(f"/api/v1/attachments/{attachment.id}/download/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="id-card.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    events = api_reads(personas.caseworker)
    assert len(events) == 1
    assert events[0].data["detail"] == {"attachment_id": str(attachment.id)}
    assert events[0].person_ids == [str(attachment.person_id)]
    assert "id-card" not in str(events[0].data)


def test_download_access(personas: Any, open_case: Any, files: dict, client_for: Any) -> None:
    share(open_case, personas, "full")
    partner = client_for(personas.partner_caseworker)
    assert partner.get(f"/api/v1/attachments/{files['shareable'].id}/download/").content == PNG
    response = partner.get(f"/api/v1/attachments/{files['internal'].id}/download/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    url = f"/api/v1/attachments/{files['internal'].id}/download/"
    assert client_for(personas.outsider).get(url).status_code == 404
    assert client_for(personas.nobody).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 401
    assert client_for(personas.caseworker).get("/api/v1/attachments/nope/download/").status_code == 404
    assert api_reads(personas.outsider) == []


def test_an_erased_person_attachment_is_gone(personas: Any, open_case: Any, files: dict, client_for: Any) -> None:
    attachment = files["internal"]
    person_erase(acting_user=personas.supervisor, person_id=attachment.person_id, reason="risk")
    client = client_for(personas.caseworker)
    assert client.get(f"/api/v1/attachments/{attachment.id}/download/").status_code == 404
    rows = client.get(case_url(open_case, "attachments/")).json()["results"]
    assert [r["id"] for r in rows] == [str(files["shareable"].id)]
