"""Cells of every export of the reports app: never run as a formula by a spreadsheet (CWE-1236).

A value starting with = + - @ tab or CR is a formula to Excel, LibreOffice and Google Sheets
(`=HYPERLINK(...)` leaks data, `+cmd|...` used to start programs). The choice, kept in one place:

- CSV: such a value gets a leading apostrophe (`'+31 6 12345678`). The text stays readable,
  a spreadsheet shows it as text, and a person can see that the cell was altered.
- XLSX: every cell is written as a string cell (never a formula), and such a value keeps its
  exact text with the `quotePrefix` style, which is what a spreadsheet records when a person
  types a leading apostrophe: `+31 6 12345678` is shown as is and stays text when edited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# The formula check is shared with the audit and exchange exports.
from tracing.spreadsheet import as_text, needs_neutralising, safe_cell


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


#: A byte order mark first: without it Excel reads UTF-8 CSV as a local code page and garbles
#: every name in Arabic, Cyrillic or Ethiopic script (and "≥5"). Other readers ignore it.
BOM = "\ufeff"


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (for a StreamingHttpResponse), after a BOM; every cell through safe_cell."""
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    return "".join(csv_lines(header, rows))


def write_xlsx(out: IO[bytes], title: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> int:
    """One sheet in openpyxl's write-only mode (rows are not kept in memory); returns the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(values: Iterable[Any]) -> list[WriteOnlyCell]:
        out_cells = []
        for value in values:
            text = as_text(value)
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # a string, whatever it starts with: never a formula
            if needs_neutralising(text):
                cell.quotePrefix = True
            out_cells.append(cell)
        return out_cells

    sheet.append(cells(header))
    n = 0
    for row in rows:
        sheet.append(cells(row))
        n += 1
    workbook.save(out)
    return n


def xlsx_bytes(title: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, title, header, rows)
    return buffer.getvalue()
