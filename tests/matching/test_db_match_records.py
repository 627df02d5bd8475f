"""Match records: what matching compares of a person, one sealed value kept in step with the
person (open, update, bulk import, erasure), read by the candidate search, and written for
persons stored before they existed (`index_persons --match-records`)."""

from __future__ import annotations

import re
from dataclasses import asdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases.actions import person_erase, person_update
from cases.actions.bulk import cases_bulk_create
from cases.indexing import person_reindex
from cases.models import Person, PersonMatchRecord
from matching.candidates import candidate_records, find_candidates
from matching.records_db import person_record, persons_for_records
from tests.factories import sample_case_data
from tests.matching.db_helpers import open_kenya_case, sought, stranger_case_data

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"^v1\$[0-9a-f]{32}\$[A-Za-z0-9_-]+$")


def _record_of(person: Person) -> Any:
    return person_record(persons_for_records(Person.objects.filter(pk=person.pk)).get())


def _stored(person: Person) -> PersonMatchRecord:
    return PersonMatchRecord.objects.select_related("data_key").get(pk=person.pk)


def test_opening_a_case_seals_each_persons_record_under_their_own_key(personas: Any, open_case: Any) -> None:
    for person in open_case.persons.all():
        stored = _stored(person)
        with connection.cursor() as cursor:
            cursor.execute("SELECT record FROM cases_personmatchrecord WHERE id = %s",
                           [PersonMatchRecord._meta.pk.get_db_prep_value(person.pk, connection)])
            raw = cursor.fetchone()[0]
        assert TOKEN.match(raw) and person.data_key_id.hex in raw
        assert "Hassan" not in raw and "Kismayo" not in raw
        assert (stored.case_id, stored.role, stored.data_key_id) == (open_case.pk, person.role, person.data_key_id)
    man = sought(open_case)
    record = _record_of(man)
    assert _stored(man).record == {
        "given_names": "Mohammed Abdi", "family_name": "Hassan", "other_names": "محمد عبدي حسن", "sex": "male",
        "birth_date": record.birth_date, "birth_place": "Kismayo", "last_known_place": "Dadaab camp",
    }  # fmt: skip


def test_an_update_rewrites_the_record_and_the_search_reads_the_new_values(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    man = sought(open_case)
    person_update(acting_user=personas.caseworker, person_id=man.pk,
                  data={"places": [{"place": "Nairobi", "country": "KE", "date": "2020"}], "phone": "+254 700 000001"})
    stored = _stored(man).record  # the phone as stored: normalised
    assert stored["last_known_place"] == "Nairobi" and stored["phone"] == "+254700000001"
    found = candidate_records(sought(kenya), [man.pk])
    assert [(pid, role, rec.last_known_place, rec.phone) for pid, role, rec in found] == [
        (str(man.pk), "sought", "Nairobi", "+254700000001")
    ]
    assert found[0][2] == _record_of(man)


def test_bulk_import_writes_the_records_person_reindex_would(personas: Any) -> None:
    result = cases_bulk_create(acting_user=personas.caseworker, items=[sample_case_data(), stranger_case_data()],
                               keep_ids=True)
    persons = list(Person.objects.filter(case_id__in=result.case_ids))
    assert len(persons) == 4
    for person in persons:
        written = _stored(person).record
        assert written == {k: v for k, v in asdict(_record_of(person)).items() if k != "id" and v}
        person_reindex(Person.objects.select_related("data_key", "case").get(pk=person.pk))
        assert _stored(person).record == written
    assert {_stored(p).record.get("birth_place") for p in persons} >= {"Kismayo", "Asmara"}


def test_erasure_deletes_the_record_and_the_search_leaves_the_person_out(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    man = sought(open_case)
    person_erase(acting_user=personas.supervisor, person_id=man.pk, reason="subject_request")
    assert not PersonMatchRecord.objects.filter(person_id=man.pk).exists()
    assert candidate_records(sought(kenya), [man.pk]) == []
    event = AuditEvent.objects.get(event_type="person.erased")
    assert event.data["match_records"] == 1


def test_persons_without_a_record_are_read_the_long_way_with_the_same_result(
    personas: Any, open_case: Any
) -> None:
    kenya = open_kenya_case(personas)
    home = persons_for_records(Person.objects.filter(pk=sought(open_case).pk)).get()
    before = [(c.person_id, c.role, c.scored.score, c.record) for c in find_candidates(home).scored]
    PersonMatchRecord.objects.filter(person=sought(kenya)).delete()
    after = [(c.person_id, c.role, c.scored.score, c.record) for c in find_candidates(home).scored]
    assert before == after and [c[0] for c in after] == [str(sought(kenya).pk)]


def test_candidates_are_read_in_the_same_queries_however_many(personas: Any, open_case: Any) -> None:
    home = persons_for_records(Person.objects.filter(pk=sought(open_case).pk)).get()
    ids = [sought(open_kenya_case(personas)).pk for _ in range(5)]
    with CaptureQueriesContext(connection) as few:
        assert len(candidate_records(home, ids[:1])) == 1
    with CaptureQueriesContext(connection) as more:
        assert len(candidate_records(home, ids)) == 5
    assert len(few) == len(more) == 1


def test_the_command_writes_missing_records_resumably_and_records_one_event(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    persons = list(Person.objects.order_by("pk"))
    expected = {p.pk: _stored(p).record for p in persons}
    PersonMatchRecord.objects.all().delete()

    out = StringIO()
    call_command("index_persons", "--match-records", "--batch", "2", "--limit", "2", stdout=out)
    assert set(PersonMatchRecord.objects.values_list("pk", flat=True)) == {p.pk for p in persons[:2]}
    last = re.search(r"last person (\S+)", out.getvalue()).group(1)
    assert last == str(persons[1].pk)
    call_command("index_persons", "--match-records", "--after", last, stdout=StringIO())
    assert {p.pk: _stored(p).record for p in persons} == expected
    # Re-running from the start finds nothing left to do.
    again = StringIO()
    call_command("index_persons", "--match-records", stdout=again)
    assert "index_persons: 0 match records" in again.getvalue()
    events = list(AuditEvent.objects.filter(event_type="index.extended").order_by("seq"))
    assert [e.data for e in events] == [{"match_records": 2}, {"match_records": len(persons) - 2},
                                        {"match_records": 0}]
    assert sought(kenya).pk in expected


def test_the_command_wants_one_thing_to_do() -> None:
    with pytest.raises(CommandError):
        call_command("index_persons", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("index_persons", "--index", "name_pair", "--match-records", stdout=StringIO())
