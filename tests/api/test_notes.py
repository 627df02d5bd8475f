"""/api/v1/cases/{id}/notes/: partners read shareable notes only; note_add decides visibility."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import note_add
from cases.models import Note
from tests.api.conftest import api_reads, case_url, share

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(personas: Any, open_case: Any) -> dict[str, Note]:
    return {
        visibility: note_add(acting_user=personas.caseworker, case_id=open_case.id, body=f"{visibility} note body",
                             visibility=visibility)
        for visibility in ("internal", "shareable", "enquirer")
    }


def test_owner_reads_every_note(personas: Any, open_case: Any, notes: dict, client_for: Any) -> None:
    response = client_for(personas.caseworker2).get(case_url(open_case, "notes/"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["body"] for r in rows} == {"internal note body", "shareable note body", "enquirer note body"}
    row = next(r for r in rows if r["visibility"] == "internal")
    assert row["author"] == personas.caseworker.pk and row["author_office"] == "NL"
    assert row["id"] == str(notes["internal"].id) and row["case"] == str(open_case.id)
    event = api_reads(personas.caseworker2)[0]
    assert event.data["case_ids"] == [str(open_case.id)] and event.data["detail"] == {"notes": 3}
    assert "note body" not in str(event.data)


@pytest.mark.parametrize("level", ["search", "full"])
def test_partner_reads_shareable_notes_only(
    personas: Any, open_case: Any, notes: dict, client_for: Any, level: str
) -> None:
    share(open_case, personas, level)
    response = client_for(personas.partner_caseworker).get(case_url(open_case, "notes/"))
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(notes["shareable"].id)]


def test_list_access(personas: Any, open_case: Any, notes: dict, client_for: Any) -> None:
    for user in (personas.outsider, personas.partner_caseworker, personas.admin):
        assert client_for(user).get(case_url(open_case, "notes/")).status_code == 404
    assert client_for(personas.nobody).get(case_url(open_case, "notes/")).status_code == 403
    assert client_for(None).get(case_url(open_case, "notes/")).status_code == 401


def test_caseworker_adds_an_internal_note(personas: Any, open_case: Any, client_for: Any) -> None:
    response = client_for(personas.caseworker).post(
        case_url(open_case, "notes/"), {"body": "  Called the camp office.  ", "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["body"] == "Called the camp office." and body["visibility"] == "internal"
    note = Note.objects.get(pk=body["id"])
    assert note.case_id == open_case.id and note.author == personas.caseworker
    assert AuditEvent.objects.get(event_type="note.added").data == {"note_id": str(note.id), "visibility": "internal"}


def test_a_partner_note_is_always_shareable(personas: Any, open_case: Any, client_for: Any) -> None:
    share(open_case, personas, "search")
    response = client_for(personas.partner_caseworker).post(
        case_url(open_case, "notes/"), {"body": "Checked the Dadaab registers.", "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["visibility"] == "shareable"
    assert response.json()["author_office"] == "KE"


def test_validation_and_refusals(personas: Any, open_case: Any, client_for: Any) -> None:
    url = case_url(open_case, "notes/")
    response = client_for(personas.caseworker).post(url, {"body": "", "visibility": "public"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"body", "visibility"}
    response = client_for(personas.caseworker).post(url, {"body": "   ", "visibility": "internal"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["body"]
    payload = {"body": "x", "visibility": "internal"}
    assert client_for(personas.auditor).post(url, payload, format="json").status_code == 403
    assert client_for(personas.outsider).post(url, payload, format="json").status_code == 404
    assert client_for(None).post(url, payload, format="json").status_code == 401
    assert Note.objects.count() == 0
