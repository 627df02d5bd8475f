"""CSV/Excel import: dry-run report, all-or-nothing, idempotent re-upload, formula injection."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case, CaseKind, Person, PersonRole, PersonSearchTerm
from cases.selectors import person_search
from exchange.actions import batch_check, batch_confirm, batch_upload
from exchange.models import ImportBatch, ImportStatus
from exchange.storage import upload_exists
from tests.exchange.conftest import GOOD, HEADER, csv_bytes, events, xlsx_bytes
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db
_capture: Any = None


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks: Any) -> None:
    global _capture
    _capture = django_capture_on_commit_callbacks


def committed(action: Any, **kwargs: Any) -> Any:
    """Call an action and run its on_commit callbacks (the import task, deleting the upload)."""
    with _capture(execute=True):
        return action(**kwargs)


def _import(user: Any, content: bytes, name: str = "camp.csv") -> ImportBatch:
    batch, _created = batch_upload(acting_user=user, filename=name, content=content, label="Camp list")
    batch = batch_check(acting_user=user, batch_id=batch.id)
    return committed(batch_confirm, acting_user=user, batch_id=batch.id)


def test_upload_guesses_the_mapping_and_keeps_the_file_sealed(personas: Any, tmp_path: Any) -> None:
    batch, created = batch_upload(acting_user=personas.caseworker, filename="camp.csv", content=GOOD, label="Camp")
    assert created and batch.status == ImportStatus.UPLOADED
    assert batch.columns[:2] == ["Given names", "Family name"]
    assert batch.mapping == {"0": "given_names", "1": "family_name", "2": "sex", "3": "birth_date",
                             "4": "nationality", "5": "phone", "6": "last_place", "7": "last_country"}
    sealed = (tmp_path / "imports" / f"{batch.id}.bin").read_bytes()
    assert b"Amina" not in sealed and len(sealed) > len(GOOD)
    assert upload_exists(batch)
    assert events("exchange.uploaded")[-1].data["batch"] == str(batch.id)


def test_dry_run_reports_every_problem_with_row_and_column_and_writes_nothing(personas: Any) -> None:
    content = csv_bytes(
        "Amina,Yusuf,female,1990-04-02,SO,,Dadaab,KE",
        "Hassan,Abdi,male,31/02/1985,SO,,Kakuma,KE",
        ",,male,1985,XX,,Kakuma,ZZ",
    )
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="camp.csv", content=content, label="Camp")
    batch = batch_check(acting_user=personas.caseworker, batch_id=batch.id)
    assert batch.status == ImportStatus.CHECKED and batch.total_rows == 3
    found = {(p["row"], p["column"]) for p in batch.problems}
    assert found == {(3, "Date of birth (D)"), (4, "Given names (A)"), (4, "Nationality (E)"), (4, "Country (H)")}
    assert any("Missing name" in p["problem"] for p in batch.problems)
    assert Person.objects.count() == 0 and Case.objects.count() == 0
    assert events("exchange.checked")[-1].data == {"batch": str(batch.id), "rows": 3, "problems": 4}
    with pytest.raises(ValidationFailed):
        batch_confirm(acting_user=personas.caseworker, batch_id=batch.id)


def test_import_writes_a_register_of_listed_persons_found_by_search(personas: Any) -> None:
    batch = _import(personas.caseworker, GOOD)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.done_rows == 3
    register = batch.register
    assert register.kind == CaseKind.REGISTER and register.office == personas.home
    persons = Person.objects.filter(case=register)
    assert persons.count() == 3 and set(persons.values_list("role", flat=True)) == {PersonRole.LISTED}
    amina = next(p for p in persons if p.display_name == "Amina Yusuf")
    assert amina.phone == "+254712345678" and amina.nationality == "SO" and str(amina.birth_date) == "1990-04-02"
    assert amina.places.get().country == "KE"
    assert PersonSearchTerm.objects.filter(person=amina).exists()
    hits = person_search(user=personas.caseworker, query="Amina Yusuf")
    assert [h.person.pk for h in hits] == [amina.pk]
    assert not upload_exists(batch)  # the sealed upload is deleted once imported
    assert [e.case_id for e in events("exchange.imported")] == [str(register.id)]
    assert events("exchange.chunk_imported")[0].data["persons"] == 3


def test_same_file_twice_creates_nothing_new(personas: Any) -> None:
    first = _import(personas.caseworker, GOOD)
    counts = (Person.objects.count(), Case.objects.count(), ImportBatch.objects.count())
    again, created = batch_upload(acting_user=personas.supervisor, filename="copy.csv", content=GOOD, label="Again")
    assert not created and again.pk == first.pk and again.status == ImportStatus.DONE
    assert (Person.objects.count(), Case.objects.count(), ImportBatch.objects.count()) == counts


def test_rerunning_a_finished_or_interrupted_import_writes_no_row_twice(personas: Any) -> None:
    from exchange.actions import batch_run

    content = csv_bytes(*[f"Name{i},Family{i},,,,,Camp,KE" for i in range(25)])
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="big.csv", content=content, label="Big")
    ImportBatch.objects.filter(pk=batch.pk).update(chunk_size=10)
    batch_check(acting_user=personas.caseworker, batch_id=batch.id)
    batch_confirm(acting_user=personas.caseworker, batch_id=batch.id, schedule=False)
    progress: list[int] = []

    class Stop(Exception):
        pass

    def crash_after_first(b: ImportBatch) -> None:
        progress.append(b.done_rows)
        raise Stop

    with pytest.raises(Stop):
        batch_run(batch_id=batch.id, on_progress=crash_after_first)
    assert Person.objects.count() == 10  # the first chunk is committed, the rest not yet
    batch = committed(batch_run, batch_id=batch.id, on_progress=lambda b: progress.append(b.done_rows))
    assert progress == [10, 20, 25] and batch.status == ImportStatus.DONE
    assert Person.objects.count() == 25
    batch_run(batch_id=batch.id)
    assert Person.objects.count() == 25


def test_a_formula_cell_is_refused_and_nothing_is_written(personas: Any) -> None:
    content = csv_bytes("Amina,Yusuf,female,1990,SO,,Dadaab,KE", '"=HYPERLINK(""http://evil"",""x"")",Abdi,,,,,,')
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="camp.csv", content=content, label="Camp")
    batch = batch_check(acting_user=personas.caseworker, batch_id=batch.id)
    assert batch.problem_count == 1 and batch.problems[0]["row"] == 3
    assert "formula" in batch.problems[0]["problem"]
    with pytest.raises(ValidationFailed):
        batch_confirm(acting_user=personas.caseworker, batch_id=batch.id)
    assert Person.objects.count() == 0


def test_excel_list_with_a_formula_cell_is_refused(personas: Any) -> None:
    rows = [["Given names", "Family name"], ["Amina", "Yusuf"], ["=1+1", "Abdi"]]
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="l.xlsx", content=xlsx_bytes(rows), label="X")
    batch = batch_check(acting_user=personas.caseworker, batch_id=batch.id)
    assert [(p["row"], p["column"]) for p in batch.problems] == [(3, "Given names (A)")]


def test_excel_list_imports(personas: Any) -> None:
    import datetime as dt

    rows = [["First name", "Surname", "DOB"], ["Amina", "Yusuf", dt.datetime(1990, 4, 2)]]  # noqa: DTZ001 (Excel dates are naive)
    batch = _import(personas.supervisor, xlsx_bytes(rows), name="list.xlsx")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert str(Person.objects.get().birth_date) == "1990-04-02"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("l.csv", "Given names,Family name\nJos\xe9,Garc\xeda\n".encode("latin-1"), "not valid UTF-8"),
        ("l.csv", b"", "empty"),
        ("l.xlsx", b"PK\x03\x04 not really a zip", "not an Excel"),
        ("l.csv", b"PK\x03\x04", "does not match"),
        ("l.exe", b"MZ", "Upload a .csv"),
    ],
)
def test_hostile_files_get_a_clear_error_and_change_nothing(personas: Any, name: str, content: bytes,
                                                            message: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        batch_upload(acting_user=personas.caseworker, filename=name, content=content, label="Bad")
    assert message in exc.value.message
    assert ImportBatch.objects.count() == 0 and Person.objects.count() == 0


def test_huge_file_is_refused_before_reading(personas: Any, settings: Any) -> None:
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationFailed, match="too large"):
        batch_upload(acting_user=personas.caseworker, filename="l.csv", content=GOOD + b"x" * 2048, label="Big")
    assert ImportBatch.objects.count() == 0


def test_too_many_rows_refuses_the_batch(personas: Any, settings: Any) -> None:
    settings.EXCHANGE_MAX_ROWS = 3
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="l.csv", content=GOOD, label="Rows")
    batch = committed(batch_check, acting_user=personas.caseworker, batch_id=batch.id)
    assert batch.status == ImportStatus.FAILED and "more than 3 rows" in batch.error
    assert Person.objects.count() == 0 and not upload_exists(batch)


def test_other_encodings_can_be_chosen(personas: Any) -> None:
    content = "Given names,Family name\nJos\xe9,Garc\xeda\n".encode("cp1252")
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="l.csv", content=content, label="Latin",
                             encoding="cp1252")
    batch = batch_check(acting_user=personas.caseworker, batch_id=batch.id)
    assert batch.problem_count == 0


def test_access(personas: Any) -> None:
    for user in (personas.admin, personas.auditor, personas.nobody):
        with pytest.raises(NotPermitted):
            batch_upload(acting_user=user, filename="camp.csv", content=GOOD, label="Camp")
    batch, _c = batch_upload(acting_user=personas.caseworker, filename="camp.csv", content=GOOD, label="Camp")
    for user in (personas.partner_supervisor, personas.outsider):
        with pytest.raises(NotFound):
            batch_check(acting_user=user, batch_id=batch.id)
    assert HEADER
