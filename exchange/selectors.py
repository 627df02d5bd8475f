"""Reads of the exchange app: import batches and their problem reports."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet

from exchange.models import ImportBatch
from tracing.permissions import visible
from tracing.spreadsheet import safe_cell


def batch_list(*, user: Any) -> QuerySet[ImportBatch]:
    return visible(user, ImportBatch).select_related("created_by", "register")


def problems_csv(batch: ImportBatch) -> bytes:
    """The dry-run report as CSV (row, column, problem): headers and messages only, never
    cell values; every cell neutralised, since column headers come from the uploaded file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "problem"])
    for p in batch.problems:
        writer.writerow([safe_cell(p["row"]), safe_cell(p["column"]), safe_cell(p["problem"])])
    return out.getvalue().encode("utf-8-sig")
