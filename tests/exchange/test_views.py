"""The exchange pages: upload, column mapping, dry-run report, import with progress, PFIF export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Person
from exchange.models import ImportBatch
from tests.exchange.conftest import GOOD
from tracing.spreadsheet import safe_cell as neutralise

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, name: str = "camp.csv") -> Any:
    return client.post("/exchange/upload/", {"file": SimpleUploadedFile(name, content), "label": "Camp list",
                                             "encoding": "utf-8"})


def _no_inline_code(html: str) -> None:
    assert "style=" not in html and "<style" not in html
    assert "<script>" not in html and "<script " not in html.replace('<script src="/static/exchange/progress.js"', "")


def test_upload_map_check_import_and_see_progress(personas: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = _client(personas.caseworker)
    page = client.get("/exchange/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = _upload(client, GOOD)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exchange/imports/{batch.id}/"
    page = client.get(response["Location"]).content.decode()
    assert 'name="col_0"' in page and '<option value="given_names" selected>' in page
    _no_inline_code(page)
    mapping = {f"col_{i}": t for i, t in batch.mapping.items()}
    assert client.post(f"/exchange/imports/{batch.id}/", mapping).status_code == 302
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    assert "Every row can be imported." in page and "Import 3 persons" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/exchange/imports/{batch.id}/import/").status_code == 302
    assert client.get(f"/exchange/imports/{batch.id}/status.json").json() == {
        "status": "done", "done_rows": 3, "total_rows": 3, "percent": 100}
    assert Person.objects.filter(case__kind="register").count() == 3
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    batch.refresh_from_db()
    assert batch.register.reference in page


def test_progress_page_polls_with_a_static_script(personas: Any) -> None:
    client = _client(personas.caseworker)
    _upload(client, GOOD)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", total_rows=3, done_rows=1)
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    assert '<progress id="import-bar" max="100" value="33">' in page
    assert '<script src="/static/exchange/progress.js" defer></script>' in page
    assert f'data-status-url="/exchange/imports/{batch.id}/status.json"' in page


def test_report_table_and_download_are_neutralised(personas: Any) -> None:
    client = _client(personas.caseworker)
    hostile_header = b'"=cmd|\' /C calc\'!A0",Family name\n'
    _upload(client, hostile_header + b"Amina,Yusuf\n,\n=1+1,Abdi\n")
    batch = ImportBatch.objects.get()
    response = client.post(f"/exchange/imports/{batch.id}/", {"col_0": "given_names", "col_1": "family_name"})
    assert response.status_code == 302
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    assert "Looks like a spreadsheet formula" in page and "Import" not in page.split("Check report")[1].split(
        "Download")[0]
    report = client.get(f"/exchange/imports/{batch.id}/problems.csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "problem"]
    assert rows[1][0] == "4" and rows[1][1].startswith("'=cmd")  # neutralised header text
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "=1+1" not in report.content.decode()  # cell values are never in the report


@pytest.mark.parametrize("value", ["=SUM(A1)", "+cmd", "-2+3", "@A1", "\tx", "\rx"])
def test_neutralise(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Amina") == "Amina" and neutralise(7) == "7"


def test_hostile_upload_shows_a_clear_error_and_keeps_nothing(personas: Any) -> None:
    client = _client(personas.caseworker)
    response = _upload(client, "Naam\nJos\xe9\n".encode("latin-1"))
    assert response.status_code == 400
    assert "is not valid UTF-8 text" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_pages_in_dutch(personas: Any) -> None:
    client = _client(personas.caseworker)
    page = client.get("/exchange/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Ontvangen lijsten" in page and "Een lijst uploaden" in page


def test_export_page_downloads_pfif(personas: Any, open_case: Any) -> None:
    from datetime import date

    from cases.models import Consent

    sought = open_case.persons.get(role="sought")
    Consent.objects.create(case=open_case, person=sought, scope="share_contact", source="phone",
                           given_on=date(2026, 3, 1), recorded_by=personas.caseworker)
    client = _client(personas.caseworker)
    response = client.post("/exchange/export/", {"reference": open_case.reference})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert response["X-Exported-Persons"] == "1" and sought.display_name.encode() in response.content
    missing = client.post("/exchange/export/", {"reference": "NL-1999-99999"})
    assert missing.status_code == 400 and "No case with this reference" in missing.content.decode()


def test_access(personas: Any) -> None:
    _upload(_client(personas.caseworker), GOOD)
    batch = ImportBatch.objects.get()
    for user in (personas.partner_supervisor, personas.outsider, personas.admin, personas.auditor):
        client = _client(user)
        assert client.get(f"/exchange/imports/{batch.id}/").status_code == 404
        assert client.get(f"/exchange/imports/{batch.id}/status.json").status_code == 404
    assert _upload(_client(personas.admin), GOOD).status_code == 403


def test_a_long_report_keeps_the_page_light(personas: Any) -> None:
    rows = "".join(f",,note {i}\n" for i in range(1500)).encode()
    client = _client(personas.caseworker)
    _upload(client, b"Given names,Family name,Remarks\n" + rows)
    batch = ImportBatch.objects.get()
    client.post(f"/exchange/imports/{batch.id}/", {"col_0": "given_names", "col_1": "family_name"})
    batch.refresh_from_db()
    assert batch.problem_count == 1500 and len(batch.problems) == 1000
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    assert page.count("Missing name.") == 200 and len(page) < 100 * 1024
    assert "the report holds the first 1000" in page


def test_a_large_list_is_checked_in_celery(personas: Any, settings: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    from exchange import tasks

    settings.EXCHANGE_INLINE_CHECK_BYTES = 0
    client = _client(personas.caseworker)
    _upload(client, GOOD)
    batch = ImportBatch.objects.get()
    mapping = {f"col_{i}": t for i, t in batch.mapping.items()}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(f"/exchange/imports/{batch.id}/", mapping).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "checking" and len(callbacks) == 1
    page = client.get(f"/exchange/imports/{batch.id}/").content.decode()
    assert "Checking every row" in page and "progress.js" in page
    callbacks[0]()  # the task, as the worker runs it after commit
    batch.refresh_from_db()
    assert batch.status == "checked" and batch.total_rows == 3 and batch.problem_count == 0
    assert tasks.check_run(str(batch.id), personas.caseworker.pk) == {"status": "checked"}  # repeat: no-op
