"""From an uploaded file to checked rows: the one pipeline the dry run and the import share.

Because the dry run and the import read the very same rows through the very same checks,
an import that passed its dry run writes exactly what the report promised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from exchange import pfif
from exchange.fields import TARGETS, cell_problem, row_check
from exchange.models import ImportBatch, ImportFormat
from exchange.readers import MAX_CELL, Table, read_csv, read_xlsx
from exchange.writer import alias_names
from tracing.exceptions import ValidationFailed

#: How many problems a batch keeps for its report (the count is always exact).
MAX_PROBLEMS = 1000

#: The PFIF field each target field comes from (for the report's "column").
_PFIF_SOURCE = {
    "given_names": "given_name", "family_name": "family_name", "full_name": "full_name", "sex": "sex",
    "birth_date": "date_of_birth", "description": "description", "address": "home_street",
    "last_place": "home_city", "last_country": "home_country",
}


@dataclass
class Row:
    number: int
    data: dict[str, Any]
    source_id: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


def table_of(batch: ImportBatch, content: bytes) -> Table:
    if batch.format == ImportFormat.XLSX:
        return read_xlsx(content)
    return read_csv(content, batch.encoding)


def column_label(columns: list[str], index: int) -> str:
    header = columns[index] if index < len(columns) else ""
    letter = get_column_letter(index + 1)
    return f"{header} ({letter})" if header else letter


def mapping_clean(columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Validate a column mapping (column index -> target field); raise with a clear message."""
    clean: dict[str, str] = {}
    for key, target in mapping.items():
        if not target:
            continue
        if target not in TARGETS or not key.isdigit() or int(key) >= len(columns):
            raise ValidationFailed(_("The column mapping names an unknown column or field."))
        if target in clean.values():
            raise ValidationFailed(_("“%s” is chosen for more than one column.") % TARGETS[target])
        clean[key] = target
    if not {"given_names", "family_name", "full_name"} & set(clean.values()):
        raise ValidationFailed(_("Choose the column that holds the names."))
    return clean


def _table_rows(batch: ImportBatch, content: bytes) -> Iterator[Row]:
    table = table_of(batch, content)
    mapping = {int(k): t for k, t in batch.mapping.items()}
    by_target = {t: column_label(table.columns, i) for i, t in mapping.items()}
    for number, cells in table.rows:
        problems = []
        for index, cell in enumerate(cells):
            problem = cell_problem(cell)
            if problem is None and len(cell) > MAX_CELL:
                problem = _("The cell is longer than %d characters.") % MAX_CELL
            if problem:
                problems.append((column_label(table.columns, index), problem))
        if problems:  # a hostile row is reported, never interpreted
            yield Row(number, {}, problems=problems)
            continue
        values = {t: (cells[i] if i < len(cells) else "") for i, t in mapping.items()}
        data, found = row_check(values)
        yield Row(number, data, problems=[(by_target.get(t, t), m) for t, m in found])


def _pfif_rows(doc: pfif.Document) -> Iterator[Row]:
    for number, record in enumerate(doc.persons, start=1):
        # XML is not a spreadsheet: no formula check here (exports neutralise cells instead).
        data, found = row_check(pfif.person_values(record))
        problems = [(_PFIF_SOURCE.get(t, t), m) for t, m in found]
        alias_names(data, record.get("alternate_names", "").split("\n"))
        yield Row(number, data, source_id=record["person_record_id"], problems=problems)


def rows_of(batch: ImportBatch, content: bytes, doc: pfif.Document | None = None) -> Iterator[Row]:
    """Every data row of the batch's file, checked. Raises ValidationFailed for a refused file."""
    if batch.format == ImportFormat.PFIF:
        return _pfif_rows(doc or pfif.parse(content))
    return _table_rows(batch, content)


def header_of(batch: ImportBatch, content: bytes) -> list[str]:
    """The header row (PFIF has fixed fields: none). Reading it checks the file's format."""
    if batch.format == ImportFormat.PFIF:
        pfif.parse(content)
        return []
    return table_of(batch, content).columns
