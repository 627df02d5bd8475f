"""Helpers of the exchange tests: sample lists written from the fields the importer knows."""

from __future__ import annotations

import io
from typing import Any

import pytest

from audit.models import AuditEvent

HEADER = "Given names,Family name,Sex,Date of birth,Nationality,Phone,Camp,Country\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode("utf-8")


GOOD = csv_bytes(
    "Amina,Yusuf,female,1990-04-02,SO,+254 712 345678,Dadaab,KE",
    "Hassan,Abdi,male,1985,SO,,Kakuma,KE",
    "Fatuma,Ali,f,34,ET,,Kakuma,KE",
)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def events(event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("seq"))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def import_list(django_capture_on_commit_callbacks: Any) -> Any:
    """Upload, check and import a list as `user` (running the task as a commit would)."""
    from exchange.actions import batch_check, batch_confirm, batch_upload

    def run(user: Any, content: bytes = GOOD, name: str = "camp.csv") -> Any:
        batch, _created = batch_upload(acting_user=user, filename=name, content=content, label="Camp list")
        batch = batch_check(acting_user=user, batch_id=batch.id)
        with django_capture_on_commit_callbacks(execute=True):
            batch_confirm(acting_user=user, batch_id=batch.id)
        batch.refresh_from_db()
        return batch

    return run
