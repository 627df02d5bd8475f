"""PFIF 1.4: import and export round trips on sample files written from the specification;
malformed, oversized and entity-expanding documents are refused and change nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cases.models import Consent, ConsentScope, Note, Person
from exchange import pfif
from exchange.actions import batch_upload, pfif_export
from exchange.models import ImportBatch, ImportedRecord, ImportFormat
from tests.exchange.conftest import events
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "samples"
SAMPLE = (SAMPLES / "persons_and_notes.xml").read_bytes()
ROUND_TRIP_FIELDS = ("person_record_id", "full_name", "given_name", "family_name", "alternate_names", "sex",
                     "date_of_birth", "home_city", "home_country")


def _consent(user: Any, persons: Any, scope: str = ConsentScope.SHARE_CONTACT) -> None:
    for person in persons:
        Consent.objects.create(case=person.case, person=person, scope=scope, source="in_person",
                               given_on=date(2026, 3, 4), recorded_by=user)


def test_sample_parses_with_nested_and_top_level_notes() -> None:
    doc = pfif.parse(SAMPLE)
    assert [p["person_record_id"] for p in doc.persons] == ["example.org/person.1001", "example.org/person.1002"]
    assert doc.notes["example.org/person.1001"][0]["status"] == "believed_alive"
    assert doc.notes["example.org/person.1002"][0]["text"] == "Her son is looking for her."


def test_import_then_export_gives_the_same_records(personas: Any, import_list: Any) -> None:
    batch = import_list(personas.supervisor, SAMPLE, name="feed.xml")
    assert batch.format == ImportFormat.PFIF and batch.status == "done"
    persons = Person.objects.filter(case=batch.register)
    assert persons.count() == 2
    assert set(ImportedRecord.objects.values_list("source_id", flat=True)) == {
        "example.org/person.1001", "example.org/person.1002"}
    notes = sorted(n.body for n in Note.objects.filter(case=batch.register))
    assert len(notes) == 2 and "Seen at the registration centre." in notes[0] and "believed_alive" in notes[0]
    _consent(personas.supervisor, persons)
    exported, count = pfif_export(acting_user=personas.supervisor, case_id=batch.register.id)
    assert count == 2
    again = pfif.parse(exported)  # the export is valid PFIF 1.4 by our own structural check
    original = {p["person_record_id"]: p for p in pfif.parse(SAMPLE).persons}
    for record in again.persons:
        source = original[record["person_record_id"]]
        assert {k: record.get(k, "") for k in ROUND_TRIP_FIELDS} == {k: source.get(k, "") for k in ROUND_TRIP_FIELDS}
    assert b'xmlns:pfif="http://zesty.ca/pfif/1.4"' in exported


def test_export_then_import_elsewhere_keeps_the_persons(personas: Any, open_case: Any, import_list: Any) -> None:
    sought = open_case.persons.filter(role="sought")
    _consent(personas.caseworker, sought)
    exported, count = pfif_export(acting_user=personas.caseworker, case_id=open_case.id)
    assert count == sought.count() == 1
    batch = import_list(personas.partner_supervisor, exported, name="from-nl.xml")
    imported = Person.objects.get(case=batch.register)
    original = sought.get()
    assert imported.display_name == original.display_name
    assert imported.sex == original.sex
    assert str(imported.birth_date).lstrip("~") == str(original.birth_date).lstrip("~")


def test_export_carries_only_consented_persons_and_allowed_fields(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role="sought")
    exported, count = pfif_export(acting_user=personas.caseworker, case_id=open_case.id)
    assert count == 0 and pfif.parse(exported).persons == []
    _consent(personas.caseworker, [sought], scope=ConsentScope.ALIVE_ONLY)
    exported, count = pfif_export(acting_user=personas.caseworker, case_id=open_case.id)
    doc = pfif.parse(exported)
    [record] = doc.persons
    assert set(record) <= {"person_record_id", "entry_date", "source_date", "author_name", "source_name",
                           "full_name", "given_name", "family_name", "sex"}
    assert doc.notes[record["person_record_id"]][0]["status"] == "believed_alive"
    enquirer = open_case.persons.get(role="enquirer")
    assert enquirer.phone and enquirer.phone.encode() not in exported
    for consent in Consent.objects.filter(person=sought):
        consent.withdrawn_at = consent.recorded_at
        consent.save()
    assert pfif_export(acting_user=personas.caseworker, case_id=open_case.id)[1] == 0
    event = events("exchange.pfif_exported")[1]
    assert event.person_ids == [str(sought.id)] and events("access.export")


def test_export_access(personas: Any, open_case: Any) -> None:
    for user in (personas.partner_supervisor, personas.outsider, personas.admin, personas.nobody):
        with pytest.raises(NotFound):
            pfif_export(acting_user=user, case_id=open_case.id)
    with pytest.raises(NotPermitted):
        pfif_export(acting_user=personas.auditor, case_id=open_case.id)


def test_reimporting_the_same_records_from_another_file_creates_nothing(personas: Any, import_list: Any) -> None:
    import_list(personas.supervisor, SAMPLE, name="feed.xml")
    reordered = SAMPLE.replace(b"<!-- Written", b"<!-- Re-sent; written")
    second = import_list(personas.supervisor, reordered, name="feed2.xml")
    assert second.skipped_rows == 2 and Person.objects.count() == 2 and Note.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((SAMPLES / "billion_laughs.xml").read_bytes(), "DTD or entities"),
        ((SAMPLES / "external_entity.xml").read_bytes(), "DTD or entities"),
        (b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.4'><pfif:person>", "not well-formed"),
        (b"<pfif xmlns='http://zesty.ca/pfif/1.3'/>", "root element"),
        (SAMPLE.replace(b"<pfif:sex>female</pfif:sex>\n    <pfif:date_of_birth>1990-04-02</pfif:date_of_birth>",
                        b"<pfif:date_of_birth>1990-04-02</pfif:date_of_birth>\n    <pfif:sex>female</pfif:sex>"),
         "out of order"),
        (SAMPLE.replace(b"<pfif:full_name>Amina Yusuf</pfif:full_name>", b""), "full_name is required"),
        (SAMPLE.replace(b"2026-03-01T09:30:00Z", b"1 March 2026"), "UTC time"),
        (SAMPLE.replace(b"<pfif:home_country>KE", b"<pfif:home_country>XX"), "ISO 3166-1"),
        (SAMPLE.replace(b"</pfif:family_name>", b"</pfif:family_name><pfif:shoe_size>44</pfif:shoe_size>"),
         "unexpected element"),
    ],
)
def test_bad_pfif_is_refused_and_changes_nothing(personas: Any, content: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        batch_upload(acting_user=personas.supervisor, filename="feed.xml", content=content, label="Feed")
    assert message in exc.value.message
    assert ImportBatch.objects.count() == 0 and Person.objects.count() == 0


def test_oversized_pfif_is_refused_before_parsing(personas: Any, settings: Any) -> None:
    settings.EXCHANGE_MAX_UPLOAD_BYTES = len(SAMPLE) - 1
    with pytest.raises(ValidationFailed, match="too large"):
        batch_upload(acting_user=personas.supervisor, filename="feed.xml", content=SAMPLE, label="Feed")
    assert ImportBatch.objects.count() == 0
