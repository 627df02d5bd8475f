"""enquirer_submission_create / _accept / _dismiss: additions wait for review and never overwrite the case."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.attachments import attachment_file_read
from cases.models import Attachment, Case
from tests.enquirer.conftest import enquirer, events, sought, text_of
from tracing.exceptions import InvalidTransition, NotFound
from tracing.models import OutboxMessage
from tracing.public.actions import enquirer_submission_accept, enquirer_submission_dismiss
from tracing.public.models import EnquirerSubmission

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _snapshot(case: Case) -> dict[str, Any]:
    e, s = enquirer(case), sought(case)
    return {"email": e.email, "phone": e.phone, "names": sorted(n.full for n in s.names.all()),
            "places": sorted(p.place for p in s.places.all()), "description": s.description,
            "attachments": Attachment.objects.filter(case=case).count()}


def test_contact_details_land_for_review_and_change_nothing(personas: Any, accepted_case: Case,
                                                            enquirer_client: Client) -> None:
    before = _snapshot(accepted_case)
    response = enquirer_client.post("/status/case/contact/", {"contact-email": "amina.new@example.org",
                                                              "contact-phone": "+31 6 87654321"})
    assert response.status_code == 302
    submission = EnquirerSubmission.objects.get(case=accepted_case)
    assert submission.status == "pending" and submission.kind == "contact"
    assert submission.payload["email"] == "amina.new@example.org" and submission.data_key == enquirer(
        accepted_case).data_key
    assert _snapshot(accepted_case) == before
    (event,) = events(accepted_case, "enquirer.submission_created")
    assert event.actor_id is None and "amina.new" not in str(event.data) and event.data["fields"] == ["email", "phone"]
    (alert,) = OutboxMessage.objects.filter(kind="office.enquirer_submission")
    assert alert.to_user == personas.caseworker and "amina.new" not in alert.body
    assert "Thank you" in text_of(enquirer_client.get("/status/case/"))


def test_accepting_contact_details_applies_them_through_person_update(personas: Any, accepted_case: Case,
                                                                      enquirer_client: Client) -> None:
    enquirer_client.post("/status/case/contact/", {"contact-email": "amina.new@example.org"})
    submission = EnquirerSubmission.objects.get(case=accepted_case)
    enquirer_submission_accept(acting_user=personas.caseworker, submission_id=submission.id)
    assert enquirer(accepted_case).email == "amina.new@example.org"
    assert enquirer(accepted_case).phone  # untouched: only what was sent is applied
    submission.refresh_from_db()
    assert submission.status == "accepted" and submission.reviewed_by == personas.caseworker
    assert [e.data["fields"] for e in events(accepted_case, "person.updated")] == [["email"]]
    assert events(accepted_case, "enquirer.submission_accepted")[0].data["applied"] == ["email"]


def test_information_and_photo_are_added_next_to_what_the_case_has(personas: Any, accepted_case: Case,
                                                                   enquirer_client: Client) -> None:
    before = _snapshot(accepted_case)
    response = enquirer_client.post("/status/case/information/", {
        "info-given_names": "Mo", "info-family_name": "Abdi", "info-place": "Garissa", "info-when": "2019",
        "info-details": "Worked at a garage near the market.",
        "info-photo": SimpleUploadedFile("mo.png", PNG, content_type="image/png"),
    })
    assert response.status_code == 302
    submission = EnquirerSubmission.objects.get(case=accepted_case)
    assert submission.photo_type == "image/png" and _snapshot(accepted_case) == before
    enquirer_submission_accept(acting_user=personas.caseworker, submission_id=submission.id)
    after = _snapshot(accepted_case)
    assert set(before["names"]) < set(after["names"]) and "Mo Abdi" in after["names"]
    assert after["places"] == sorted([*before["places"], "Garissa"])
    assert "Worked at a garage near the market." in after["description"]
    photo = Attachment.objects.get(case=accepted_case, person=sought(accepted_case))
    assert photo.content_type == "image/png" and attachment_file_read(photo) == PNG


def test_dismissing_changes_nothing(personas: Any, accepted_case: Case, enquirer_client: Client) -> None:
    enquirer_client.post("/status/case/information/", {"info-details": "Maybe in Nairobi."})
    before = _snapshot(accepted_case)
    submission = EnquirerSubmission.objects.get(case=accepted_case)
    enquirer_submission_dismiss(acting_user=personas.caseworker, submission_id=submission.id)
    submission.refresh_from_db()
    assert submission.status == "dismissed" and _snapshot(accepted_case) == before
    with pytest.raises(InvalidTransition):
        enquirer_submission_accept(acting_user=personas.caseworker, submission_id=submission.id)


@pytest.mark.parametrize(("content", "error"), [
    (b"GIF89a" + b"\x00" * 20, "Send a JPEG or PNG photo."),
    (b"%PDF-1.4" + b"\x00" * 20, "Send a JPEG or PNG photo."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000, "The photo is too large."),
])
def test_photos_must_be_small_jpeg_or_png(settings: Any, accepted_case: Case, enquirer_client: Client,
                                          content: bytes, error: str) -> None:
    settings.PUBLIC_PHOTO_MAX_BYTES = 2000
    response = enquirer_client.post("/status/case/information/", {
        "info-photo": SimpleUploadedFile("x.bin", content, content_type="image/png")})
    assert response.status_code == 400 and error in text_of(response)
    assert not EnquirerSubmission.objects.exists()


def test_an_empty_submission_is_refused(accepted_case: Case, enquirer_client: Client) -> None:
    assert enquirer_client.post("/status/case/information/", {}).status_code == 400
    assert enquirer_client.post("/status/case/contact/", {"contact-email": ""}).status_code == 400
    assert not EnquirerSubmission.objects.exists()


def test_only_the_owning_office_reviews(personas: Any, accepted_case: Case, enquirer_client: Client) -> None:
    enquirer_client.post("/status/case/information/", {"info-details": "Maybe in Nairobi."})
    submission = EnquirerSubmission.objects.get(case=accepted_case)
    for user in (personas.outsider, personas.partner_caseworker):
        with pytest.raises(NotFound):
            enquirer_submission_accept(acting_user=user, submission_id=submission.id)
        with pytest.raises(NotFound):
            enquirer_submission_dismiss(acting_user=user, submission_id=submission.id)
    submission.refresh_from_db()
    assert submission.status == "pending"
