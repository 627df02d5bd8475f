"""manage.py import_persons (progress on the terminal, dry run, resume) and the resume beat task."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import Person
from exchange.actions import batch_check, batch_confirm, batch_upload
from exchange.models import ImportBatch, ImportStatus
from tests.exchange.conftest import GOOD, csv_bytes

pytestmark = pytest.mark.django_db


def _run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_persons", str(path), "--user", "sup", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_with_progress(personas: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "camp.csv"
    path.write_bytes(GOOD)
    out, _err = _run(path)
    assert "3 rows, 0 problems" in out and "done: 3 persons imported" in out
    assert "3/3 rows (100%)" in capsys.readouterr().err
    assert Person.objects.filter(case__kind="register").count() == 3
    out, _err = _run(path)  # the same file again: nothing new
    assert "already uploaded" in out and Person.objects.count() == 3


def test_command_dry_run_reports_rows_and_writes_nothing(personas: Any, tmp_path: Path) -> None:
    path = tmp_path / "camp.csv"
    path.write_bytes(csv_bytes(",,male,1985,SO,,Kakuma,KE"))
    out, _err = _run(path, "--dry-run")
    assert "1 rows, 1 problems" in out and "row 2, column Given names (A): Missing name." in out
    assert Person.objects.count() == 0


def test_command_mapping_and_errors(personas: Any, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"Col A,Col B\nAmina,Yusuf\n")
    out, _err = _run(path, "--map", "Col A=given_names", "--map", "2=family_name")
    assert "done: 1 persons imported" in out
    other = tmp_path / "other.csv"
    other.write_bytes(b"Col A,Col B\nHassan,Abdi\n")
    with pytest.raises(CommandError, match="no column"):
        _run(other, "--map", "Nope=given_names")
    bad = tmp_path / "bad.csv"
    bad.write_bytes("Naam\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not valid UTF-8"):
        _run(bad)


def test_command_resumes_an_interrupted_import(personas: Any, tmp_path: Path) -> None:
    content = csv_bytes(*[f"Name{i},Family{i},,,,,Camp,KE" for i in range(5)])
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    batch, _c = batch_upload(acting_user=personas.supervisor, filename="big.csv", content=content, label="Big")
    batch_check(acting_user=personas.supervisor, batch_id=batch.id)
    batch_confirm(acting_user=personas.supervisor, batch_id=batch.id, schedule=False)  # the task was lost
    out, _err = _run(path)
    assert "Resuming" in out and Person.objects.count() == 5


def test_stale_imports_are_requeued(personas: Any, monkeypatch: Any) -> None:
    from exchange import tasks

    batch, _c = batch_upload(acting_user=personas.supervisor, filename="camp.csv", content=GOOD, label="Camp")
    batch_check(acting_user=personas.supervisor, batch_id=batch.id)
    batch_confirm(acting_user=personas.supervisor, batch_id=batch.id, schedule=False)
    queued: list[str] = []
    monkeypatch.setattr(tasks.import_run, "delay", queued.append)
    assert tasks.import_resume_stale() == 0  # fresh: its task may still be on the way
    ImportBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert tasks.import_resume_stale() == 1 and queued == [str(batch.id)]
    assert tasks.import_run(str(batch.id))["status"] == ImportStatus.DONE
    assert tasks.import_run(str(batch.id))["done_rows"] == 3  # a second delivery changes nothing
    assert Person.objects.count() == 3
    from tracing.celery import app

    assert app.conf.beat_schedule["exchange-resume-stale-imports"]["task"] == "exchange.tasks.import_resume_stale"


def test_stale_checks_are_requeued(personas: Any, monkeypatch: Any) -> None:
    from exchange import tasks

    batch, _c = batch_upload(acting_user=personas.supervisor, filename="camp.csv", content=GOOD, label="Camp")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKING,
                                                   updated_at=timezone.now() - timedelta(minutes=11))
    queued: list[tuple] = []
    monkeypatch.setattr(tasks.check_run, "delay", lambda *args: queued.append(args))
    assert tasks.import_resume_stale() == 1 and queued == [(str(batch.id), personas.supervisor.pk)]
    assert tasks.check_run(*queued[0])["status"] == ImportStatus.CHECKED
