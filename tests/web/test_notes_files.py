"""Notes and files: adding them, partners' notes, upload validation, download headers and logging."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.actions import attachment_add
from cases.models import Attachment, Note
from tests.web.conftest import access_events, events

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_add_an_internal_note(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/notes/new/",
                                                    {"body": "Called the Red Cross desk", "visibility": "internal"})
    assert response.status_code == 302
    note = Note.objects.get(case=open_case)
    assert note.body == "Called the Red Cross desk" and note.visibility == "internal"
    assert events(open_case, "note.added")[-1].data["visibility"] == "internal"


def test_empty_note_is_refused_at_its_field(client_for: Any, personas: Any, open_case: Any) -> None:
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/notes/new/",
                                                    {"body": "", "visibility": "internal"})
    assert response.status_code == 400 and 'id="id_body-error"' in response.content.decode()
    assert not Note.objects.exists()


def test_partner_notes_are_shareable_without_asking(client_for: Any, personas: Any, open_case: Any,
                                                    share: Any) -> None:
    share(open_case)
    client = client_for(personas.partner_caseworker)
    assert 'name="visibility"' not in client.get(f"/cases/{open_case.id}/notes/new/").content.decode()
    assert client.post(f"/cases/{open_case.id}/notes/new/", {"body": "Seen in Kakuma"}).status_code == 302
    assert Note.objects.get().visibility == "shareable"


def test_note_access(client_for: Any, personas: Any, open_case: Any) -> None:
    assert client_for(personas.outsider).post(f"/cases/{open_case.id}/notes/new/", {"body": "x"}).status_code == 404
    assert client_for(personas.auditor).get(f"/cases/{open_case.id}/notes/new/").status_code == 403
    assert client_for(None).get(f"/cases/{open_case.id}/notes/new/").status_code == 302
    assert not Note.objects.exists()


def test_upload_a_file(client_for: Any, personas: Any, open_case: Any) -> None:
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = client_for(personas.caseworker).post(f"/cases/{open_case.id}/attachments/new/",
                                                    {"file": upload, "description": "Family photo"})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename == "photo.png" and attachment.content_type == "image/png"
    assert events(open_case, "attachment.added")[-1].data["size"] == len(PNG)


def test_upload_type_and_size_errors(client_for: Any, personas: Any, open_case: Any, settings: Any) -> None:
    client = client_for(personas.caseworker)
    fake = SimpleUploadedFile("run.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(f"/cases/{open_case.id}/attachments/new/", {"file": fake})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_file-error"' in html and "Unsupported type." in html
    settings.TRACING_MAX_ATTACHMENT_BYTES = 32
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    response = client.post(f"/cases/{open_case.id}/attachments/new/", {"file": big})
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert not Attachment.objects.exists()


def test_download_headers_and_access_log(client_for: Any, personas: Any, open_case: Any) -> None:
    attachment = attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="scan é.png",
                                content=PNG)
    response = client_for(personas.caseworker).get(f"/cases/{open_case.id}/attachments/{attachment.id}/")
    assert response.status_code == 200 and response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''scan%20%C3%A9.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = access_events(personas.caseworker)[-1]
    assert event.case_id == str(open_case.id) and event.data["detail"] == {"attachment_id": str(attachment.id)}


def test_download_access(client_for: Any, personas: Any, open_case: Any, share: Any) -> None:
    internal = attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="a.png", content=PNG)
    shared = attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="b.png", content=PNG,
                            shareable=True)
    share(open_case, "share_full")
    partner = client_for(personas.partner_caseworker)
    assert partner.get(f"/cases/{open_case.id}/attachments/{internal.id}/").status_code == 404
    assert partner.get(f"/cases/{open_case.id}/attachments/{shared.id}/").status_code == 200
    assert client_for(personas.outsider).get(f"/cases/{open_case.id}/attachments/{shared.id}/").status_code == 404
    assert client_for(None).get(f"/cases/{open_case.id}/attachments/{shared.id}/").status_code == 302
    assert access_events(personas.outsider) == []


def test_detail_page_links_files_for_download(client_for: Any, personas: Any, open_case: Any) -> None:
    attachment = attachment_add(acting_user=personas.caseworker, case_id=open_case.id, filename="letter.pdf",
                                content=b"%PDF-1.4 hello")
    html = client_for(personas.caseworker).get(f"/cases/{open_case.id}/").content.decode()
    assert f'href="/cases/{open_case.id}/attachments/{attachment.id}/" download' in html and "letter.pdf" in html
