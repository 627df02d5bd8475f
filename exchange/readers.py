"""Reading uploaded CSV and Excel files defensively.

Security entry point: every uploaded list is read here. Size, row, column and cell limits
are checked before anything is kept; a file in the wrong encoding, a broken or oversized
spreadsheet (including a zip bomb) raises `ValidationFailed` with a message the user can
act on. Cells are returned as text; a formula cell comes back as its formula text so that
`fields.cell_problem` refuses it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tracing.exceptions import ValidationFailed

ENCODINGS = ("utf-8", "utf-16", "cp1252", "iso-8859-1")
MAX_COLUMNS = 100
MAX_CELL = 10_000


def max_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "EXCHANGE_MAX_ROWS", 200_000))


@dataclass
class Table:
    """A list's header and its data rows (row numbers as the user sees them: header = 1)."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]


def check_size(size: int) -> None:
    if size > max_bytes():
        raise ValidationFailed(
            _("The file is too large (%(size)d MB; at most %(max)d MB). Split it into smaller lists.")
            % {"size": size // (1024 * 1024), "max": max_bytes() // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationFailed(_("The file is empty."))


def _limit_rows(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    limit = max_rows()
    for count, (number, cells) in enumerate(rows, start=1):
        if count > limit:
            raise ValidationFailed(_("The list has more than %d rows. Split it into smaller lists.") % limit)
        if len(cells) > MAX_COLUMNS:
            raise ValidationFailed(_("Row %(row)d has more than %(max)d columns.")
                                   % {"row": number, "max": MAX_COLUMNS})
        yield number, [c[:MAX_CELL + 1] for c in cells]


def _decode(content: bytes, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ValidationFailed(_("Unknown encoding."))
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        text = content.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            _("The file is not valid %(encoding)s text (byte %(pos)d). Save it as UTF-8, or choose its encoding.")
            % {"encoding": encoding.upper(), "pos": exc.start}
        ) from exc
    if "\x00" in text:
        raise ValidationFailed(_("The file contains NUL characters: it is not a text (CSV) file in this encoding."))
    return text


def read_csv(content: bytes, encoding: str = "utf-8") -> Table:
    check_size(len(content))
    text = _decode(content, encoding)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise ValidationFailed(_("The CSV file is broken near line %(line)d: %(error)s")
                                   % {"line": reader.line_num, "error": exc}) from exc

    limited = _limit_rows(rows())
    header = next(limited, None)
    if header is None:
        raise ValidationFailed(_("The file has no header row."))
    return Table(columns=[c.strip() for c in header[1]], rows=limited)


def _cell_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)  # a formula cell's value is its formula text, e.g. "=HYPERLINK(...)"


def _check_zip(content: bytes) -> None:
    """Refuse what is not an xlsx, and zip bombs: the unpacked size is bounded."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ValidationFailed(_("This is not an Excel (.xlsx) file.")) from exc
    unpacked = sum(e.file_size for e in entries)
    if unpacked > 10 * max_bytes() or len(entries) > 1000:
        raise ValidationFailed(_("The Excel file unpacks to more than %d MB; it is refused.")
                               % (10 * max_bytes() // (1024 * 1024)))
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        raise ValidationFailed(_("This is not an Excel (.xlsx) file."))


def read_xlsx(content: bytes) -> Table:
    import openpyxl

    check_size(len(content))
    _check_zip(content)
    try:
        # read_only streams the sheet; formulas are kept as text (never evaluated).
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for broken files
        raise ValidationFailed(_("The Excel file cannot be read: it may be damaged or password-protected.")) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                texts = [_cell_text(c) for c in cells]
                if any(t.strip() for t in texts):
                    yield number, texts
        except ValidationFailed:
            raise
        except Exception as exc:
            raise ValidationFailed(_("The Excel file cannot be read: it may be damaged.")) from exc
        finally:
            workbook.close()

    limited = _limit_rows(rows())
    header = next(limited, None)
    if header is None:
        raise ValidationFailed(_("The sheet has no header row."))
    return Table(columns=[c.strip() for c in header[1]], rows=limited)
