"""Data subject requests: the export (contents, access, audit), rectification and erasure on request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.actions import consent_record, contact_disclose
from cases.models import Person
from cases.selectors import case_detail
from privacy.actions import dsar_erase, dsar_export, dsar_rectify
from privacy.selectors import DSAR_FORMAT
from tracing.exceptions import DecryptionFailed, NotFound, NotPermitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def sought(personas: Any, open_case: Any) -> Person:
    person = open_case.persons.get(role="sought")
    consent_record(acting_user=personas.caseworker, case_id=open_case.pk, person_id=person.pk,
                   scope="share_contact", source="phone")
    contact_disclose(acting_user=personas.caseworker, case_id=open_case.pk, person_id=person.pk, kind="alive",
                     content="Alive and well, lives near Garissa.")
    # A partner reads the case; this read must show in the export.
    case_detail(user=personas.caseworker, case_id=open_case.pk, purpose="assigned_work")
    return person


def test_export_holds_the_persons_data_cases_consents_and_readers(personas: Any, open_case: Any,
                                                                   sought: Person) -> None:
    doc = dsar_export(acting_user=personas.supervisor, person_id=sought.pk)
    assert doc["format"] == DSAR_FORMAT and doc["generated_by"] == "sup"
    person = doc["person"]
    assert person["display_name"] == "Mohammed Abdi Hassan" and person["role"] == "sought"
    assert person["fields"]["birth_place"] == "Kismayo" and person["fields"]["birth_date"] == "~1988"
    assert {n["family_name"] for n in person["names"]} == {"Hassan", "حسن"}
    assert person["places"] == [{"place": "Dadaab camp", "country": "KE", "date": "2015-06"}]
    assert doc["cases"] == [{"reference": open_case.reference, "office": "NL", "role": "sought",
                             "relationship": "sibling", "state": open_case.state, "closure_reason": "",
                             "opened_at": doc["cases"][0]["opened_at"], "closed_at": None}]
    assert [c["scope"] for c in doc["consents"]] == ["share_contact"]
    assert doc["disclosures"][0]["what_was_told"] == "Alive and well, lives near Garissa."
    reads = [(e["who"], e["office"], e["kind"], e["purpose"]) for e in doc["access_log"]]
    assert ("cw", "NL", "view", "assigned_work") in reads
    cw = next(r for r in doc["readers"] if r["who"] == "cw")
    assert cw["office"] == "NL" and cw["reads"] == sum(1 for e in doc["access_log"] if e["who"] == "cw")
    assert {"person.added", "consent.recorded"} & {e["event"] for e in doc["events"]}
    # It is machine-readable and holds no other person's data: not the enquirer's name or contact.
    text = json.dumps(doc, ensure_ascii=False)
    assert "Amina" not in text and "amina.enquirer@example.org" not in text and "Keizersgracht" not in text


def test_export_is_audited_twice(personas: Any, sought: Person) -> None:
    dsar_export(acting_user=personas.supervisor, person_id=sought.pk)
    exported = AuditEvent.objects.get(event_type="dsar.exported")
    assert exported.actor_id == personas.supervisor.pk and exported.person_ids == [str(sought.pk)]
    assert exported.data["format"] == DSAR_FORMAT and exported.data["access_entries"] >= 1
    read = AuditEvent.objects.get(event_type="access.export")
    assert read.person_ids == [str(sought.pk)] and read.data["purpose"] == "data_subject_request"
    # A later export lists the earlier one among the reads.
    doc = dsar_export(acting_user=personas.supervisor, person_id=sought.pk)
    assert ("sup", "export", "data_subject_request") in [(e["who"], e["kind"], e["purpose"])
                                                          for e in doc["access_log"]]


@pytest.mark.parametrize(("who", "error"), [
    ("caseworker", NotPermitted), ("auditor", NotPermitted), ("admin", NotFound), ("outsider", NotFound),
    ("partner_supervisor", NotFound),
])
def test_only_the_owning_supervisor_handles_requests(personas: Any, sought: Person, who: str,
                                                     error: type[Exception]) -> None:
    user = getattr(personas, who)
    for call in (lambda: dsar_export(acting_user=user, person_id=sought.pk),
                 lambda: dsar_rectify(acting_user=user, person_id=sought.pk, data={"birth_place": "Mogadishu"}),
                 lambda: dsar_erase(acting_user=user, person_id=sought.pk)):
        with pytest.raises(error):
            call()
    assert not AuditEvent.objects.filter(event_type__startswith="dsar.").exists()
    assert Person.objects.get(pk=sought.pk).birth_place == "Kismayo"


def test_rectification_is_an_audited_update(personas: Any, sought: Person) -> None:
    dsar_rectify(acting_user=personas.supervisor, person_id=sought.pk,
                 data={"birth_place": "Mogadishu", "not_a_field": "x"})
    assert Person.objects.get(pk=sought.pk).birth_place == "Mogadishu"
    event = AuditEvent.objects.get(event_type="dsar.rectified")
    assert event.data == {"fields": ["birth_place"]} and event.person_ids == [str(sought.pk)]
    assert AuditEvent.objects.get(event_type="person.updated").data == {"fields": ["birth_place"]}
    assert "Mogadishu" not in json.dumps(event.data)


def test_erasure_on_request_shreds_and_is_audited_once(personas: Any, sought: Person) -> None:
    dsar_erase(acting_user=personas.supervisor, person_id=sought.pk)
    fresh = Person.objects.get(pk=sought.pk)
    assert fresh.erased_at and fresh.data_key.wrapped is None
    with pytest.raises(DecryptionFailed):
        _ = fresh.birth_place
    assert AuditEvent.objects.get(event_type="person.erased").data["reason"] == "subject_request"
    assert AuditEvent.objects.get(event_type="dsar.erased").actor_id == personas.supervisor.pk
    dsar_erase(acting_user=personas.supervisor, person_id=sought.pk)
    assert AuditEvent.objects.filter(event_type="dsar.erased").count() == 1
    # The export of an erased person says so and holds nothing personal.
    doc = dsar_export(acting_user=personas.supervisor, person_id=sought.pk)
    assert doc["person"]["erased_at"] and "fields" not in doc["person"] and doc["disclosures"] == []


def test_pages_and_api(personas: Any, sought: Person, client: Any) -> None:
    client.force_login(personas.supervisor)
    assert client.get(f"/privacy/persons/{sought.pk}/").status_code == 200
    response = client.post(f"/privacy/persons/{sought.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["person"]["display_name"] == "Mohammed Abdi Hassan"
    page = client.get("/privacy/", {"reference": sought.case.reference}).content.decode()
    assert f"/privacy/persons/{sought.pk}/" in page
    response = client.get(f"/privacy/persons/{sought.pk}/rectify/")
    assert response.status_code == 200 and "Kismayo" in response.content.decode()
    version = Person.objects.get(pk=sought.pk).case.version
    form = {"expected_version": version, "relationship": "sibling", "sex": "male",
            "birth_date": "~1988", "birth_place": "Baidoa"}
    assert client.post(f"/privacy/persons/{sought.pk}/rectify/", form).status_code == 302
    assert Person.objects.get(pk=sought.pk).birth_place == "Baidoa"
    assert AuditEvent.objects.get(event_type="dsar.rectified").data == {"fields": ["birth_place"]}
    stale = client.post(f"/privacy/persons/{sought.pk}/rectify/", {**form, "birth_place": "Kismayo"})
    assert stale.status_code == 400 and Person.objects.get(pk=sought.pk).birth_place == "Baidoa"
    assert client.post(f"/privacy/persons/{sought.pk}/erase/").status_code == 400
    assert Person.objects.get(pk=sought.pk).erased_at is None

    api = APIClient()
    api.force_authenticate(personas.supervisor)
    assert api.get(f"/api/v1/privacy/persons/{sought.pk}/export/").json()["person"]["fields"]["sex"] == "male"
    response = api.post(f"/api/v1/privacy/persons/{sought.pk}/rectify/", {"data": {"sex": "female"}},
                        format="json")
    assert response.status_code == 200 and Person.objects.get(pk=sought.pk).sex == "female"
    assert api.post(f"/api/v1/privacy/persons/{sought.pk}/erase/").status_code == 200
    assert Person.objects.get(pk=sought.pk).erased_at is not None
    assert AuditEvent.objects.filter(event_type__in=["dsar.exported", "dsar.rectified", "dsar.erased"]).count() == 5
    api.force_authenticate(personas.caseworker)
    assert api.get(f"/api/v1/privacy/persons/{sought.pk}/export/").status_code == 403
