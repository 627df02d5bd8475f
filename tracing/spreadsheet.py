"""Cells that a spreadsheet never runs as a formula (CWE-1236), for every CSV the service writes.

A value starting with = + - @ tab or CR is a formula to Excel, LibreOffice and Google Sheets;
in CSV such a value gets a leading apostrophe: the text stays readable, a spreadsheet shows it
as text, and a person can see that the cell was altered. Used by the reports, audit and
exchange exports (reports/spreadsheet.py also explains the XLSX side).
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def needs_neutralising(text: str) -> bool:
    return text.startswith(FORMULA_START)


def safe_cell(value: Any) -> str:
    """A CSV cell that spreadsheets show as text, never run as a formula."""
    text = as_text(value)
    return "'" + text if needs_neutralising(text) else text
