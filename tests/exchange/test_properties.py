"""Property-based tests (hypothesis) of the CSV/Excel importer: whatever the bytes, the importer
never crashes; it either yields checked rows or raises ValidationFailed with a message."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.fields import TARGETS, row_check
from exchange.importer import mapping_clean, rows_of
from exchange.models import ImportBatch
from exchange.readers import ENCODINGS
from tracing.exceptions import ValidationFailed

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CELL = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["=1+1", "+31 6 1234 5678", "-", "@x", "1990-02-30", "34", "~1980", "SY", "zz", "", "f", '"', "\r\n"])


def _drain(content: bytes, *, fmt: str = "csv", encoding: str = "utf-8", mapping: dict | None = None) -> None:
    batch = ImportBatch(format=fmt, encoding=encoding, mapping=mapping if mapping is not None else {"0": "full_name"})
    try:
        for row in rows_of(batch, content):
            assert row.number >= 2
            for column, problem in row.problems:
                assert isinstance(column, str) and problem.strip()
            if not row.problems:
                assert row.data["names"][0]["given_names"] or row.data["names"][0]["family_name"]
    except ValidationFailed as exc:
        assert exc.message.strip()


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(ENCODINGS))
def test_any_bytes_as_csv_never_crash(content: bytes, encoding: str) -> None:
    _drain(content, encoding=encoding)


@SETTINGS
@given(st.lists(st.lists(CELL, min_size=0, max_size=8), min_size=1, max_size=12),
       st.sampled_from([",", ";", "\t"]))
def test_any_table_as_csv_never_crash(rows: list[list[str]], delimiter: str) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    mapping = {str(i): t for i, t in enumerate(list(TARGETS)[:8])}
    _drain(out.getvalue().encode("utf-8"), mapping=mapping)


@SETTINGS
@given(st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b))
def test_any_bytes_as_excel_never_crash(content: bytes) -> None:
    _drain(content, fmt="xlsx")


@SETTINGS
@given(st.dictionaries(st.sampled_from(list(TARGETS)), CELL, max_size=len(TARGETS)))
def test_row_check_always_answers(values: dict[str, str]) -> None:
    data, problems = row_check(values)
    assert isinstance(data, dict) and all(field in TARGETS for field, _message in problems)


@SETTINGS
@given(st.lists(st.text(alphabet=string.ascii_letters, max_size=8), max_size=6),
       st.dictionaries(st.text(alphabet=string.digits + "x", max_size=2), st.sampled_from([*TARGETS, "", "bogus"])))
def test_mapping_is_validated_not_trusted(columns: list[str], mapping: dict[str, str]) -> None:
    try:
        clean = mapping_clean(columns, mapping)
    except ValidationFailed as exc:
        assert exc.message
    else:
        assert all(int(k) < len(columns) and v in TARGETS for k, v in clean.items())
