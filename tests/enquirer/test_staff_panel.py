"""The caseworker's panel (/relatives/cases/<id>/): access, codes shown once, reviews through the actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from audit.models import AuditEvent
from cases.models import Case
from tests.enquirer.conftest import give_consent, sought, text_of
from tracing.public.codes import code_normalise
from tracing.public.models import EnquirerSubmission, PublicAccess, RelayMessage

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_panel_is_for_the_owning_office_only(personas: Any, accepted_case: Case) -> None:
    url = f"/relatives/cases/{accepted_case.id}/"
    response = _client(personas.caseworker).get(url)
    assert response.status_code == 200 and "What the enquirer sees now" in text_of(response)
    assert AuditEvent.objects.filter(event_type="access.view", case_id=str(accepted_case.id)).exists()
    assert _client(personas.outsider).get(url).status_code == 404
    assign_perm("cases.share_full", personas.partner.group, accepted_case)
    assert _client(personas.partner_caseworker).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page


def test_a_letter_shows_the_code_once_and_it_works(personas: Any, accepted_case: Case) -> None:
    response = _client(personas.caseworker).post(f"/relatives/cases/{accepted_case.id}/enquirer/issue/",
                                                 {"channel": "letter"})
    html = text_of(response)
    assert response.status_code == 200 and "Print this letter now" in html
    code = re.search(r'class="public-code" dir="ltr">([A-Z0-9-]{12})</dd>', html)[1]
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    access = PublicAccess.objects.get(case=accepted_case, revoked_at__isnull=True)
    assert code_normalise(code) not in access.code_hash
    signed = Client().post("/status/", {"reference": accepted_case.reference, "code": code})
    assert signed.status_code == 302
    assert code not in text_of(_client(personas.caseworker).get(f"/relatives/cases/{accepted_case.id}/"))


def test_sms_text_is_prepared_in_the_persons_language(personas: Any, located_case: Case) -> None:
    sought_person = sought(located_case)
    response = _client(personas.caseworker).post(
        f"/relatives/cases/{located_case.id}/found/{sought_person.id}/issue/", {"channel": "sms"})
    html = text_of(response)
    access = PublicAccess.objects.get(person=sought_person, revoked_at__isnull=True)
    assert "A member of your family is looking for you." in html and access.handle in html
    assert "Mohammed" not in html.split('class="public-sms"')[1].split("</p>")[0]


def test_reviews_from_the_panel(personas: Any, located_case: Case, enquirer_client: Client) -> None:
    give_consent(personas, located_case, "relay_messages")
    enquirer_client.post("/status/case/information/", {"info-place": "Garissa"})
    enquirer_client.post("/status/case/message/", {"message-body": "Hello",
                                                   "message-to": str(sought(located_case).id)})
    staff = _client(personas.caseworker)
    panel = text_of(staff.get(f"/relatives/cases/{located_case.id}/"))
    assert "Garissa" in panel and "Hello" in panel
    submission, message = EnquirerSubmission.objects.get(), RelayMessage.objects.get()
    staff.post(f"/relatives/cases/{located_case.id}/submissions/{submission.id}/", {"decision": "accept"})
    staff.post(f"/relatives/cases/{located_case.id}/messages/{message.id}/", {"decision": "approve"})
    submission.refresh_from_db()
    message.refresh_from_db()
    assert submission.status == "accepted" and message.status == "approved"
    assert "Garissa" in [p.place for p in sought(located_case).places.all()]


def test_panel_actions_answer_404_and_403_like_the_case_pages(personas: Any, accepted_case: Case,
                                                             issued: Any) -> None:
    assign_perm("cases.share_full", personas.partner.group, accepted_case)
    for path in ("enquirer/revoke/", "enquirer/issue/"):
        url = f"/relatives/cases/{accepted_case.id}/{path}"
        assert _client(personas.outsider).post(url, {"channel": "letter"}).status_code == 404
        assert _client(personas.partner_caseworker).post(url, {"channel": "letter"}).status_code == 403
        assert _client(personas.auditor).post(url, {"channel": "letter"}).status_code == 403
    assert PublicAccess.objects.get(case=accepted_case, revoked_at__isnull=True) == issued.access


def test_panel_ids_are_unique(personas: Any, located_case: Case) -> None:
    html = text_of(_client(personas.caseworker).get(f"/relatives/cases/{located_case.id}/"))
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_revoke_from_the_panel(personas: Any, accepted_case: Case, issued: Any) -> None:
    response = _client(personas.caseworker).post(f"/relatives/cases/{accepted_case.id}/enquirer/revoke/")
    assert response.status_code == 302
    assert not PublicAccess.objects.filter(case=accepted_case, revoked_at__isnull=True).exists()
