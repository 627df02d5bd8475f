"""Partial dates of birth: parsing and comparison levels."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.dates import PartialDate, birth_year_from_age, compare_dates, parse_partial_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1988", PartialDate(1988)),
        ("1988-03", PartialDate(1988, 3)),
        ("1988-03-12", PartialDate(1988, 3, 12)),
        ("12/03/1988", PartialDate(1988, 3, 12)),
        ("03/1988", PartialDate(1988, 3)),
        ("~1988", PartialDate(1988, approximate=True)),
        ("c. 1988", PartialDate(1988, approximate=True)),
        ("1988?", PartialDate(1988, approximate=True)),
        ("1988-00-00", PartialDate(1988)),  # zeros mean unknown
        ("1988-02-30", PartialDate(1988, 2)),  # impossible day dropped, month kept
        ("1988-13-01", PartialDate(1988)),
    ],
)
def test_parse(text: str, expected: PartialDate) -> None:
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize("text", ["", None, "unknown", "88", "1700", "3000-01-01", "1988-03-12-01", "abc1988"])
def test_parse_rejects(text: str | None) -> None:
    assert parse_partial_date(text) is None


def test_str_round_trips() -> None:
    for text in ("1988", "1988-03", "1988-03-12", "~1988"):
        assert str(parse_partial_date(text)) == text


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1988-03-12", "1988-03-12", "exact"),
        ("1988-03-12", "1988-03", "month"),
        ("1988-03-12", "1988-03-13", "month"),
        ("1988-03-12", "1988-12-03", "month"),  # day and month swapped
        ("1988-03-12", "1988", "year"),
        ("1988", "1988", "year"),
        ("1988-03", "1988-05", "year"),
        ("1988", "1987-05-01", "near"),
        ("1988", "1985", "approx"),
        ("1988", "1984", "disagree"),
        ("~1988", "1984", "approx"),  # an estimated age is allowed more slack
        ("~1988", "1982", "disagree"),
        ("1988", None, "missing"),
    ],
)
def test_compare(a: str, b: str | None, level: str) -> None:
    assert compare_dates(parse_partial_date(a), parse_partial_date(b)) == level
    assert compare_dates(parse_partial_date(b), parse_partial_date(a)) == level


def test_birth_year_from_age() -> None:
    assert birth_year_from_age(35, date(2023, 6, 1)) == PartialDate(1988, approximate=True)


@given(st.text())
def test_parser_never_crashes(text: str) -> None:
    parsed = parse_partial_date(text)
    assert parsed is None or 1850 <= parsed.year <= 2100


@given(st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_dates_parse_exactly(day: date) -> None:
    assert parse_partial_date(day.isoformat()) == PartialDate(day.year, day.month, day.day)
