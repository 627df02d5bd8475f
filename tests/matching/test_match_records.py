"""manage.py match_records on small CSV files: dedupe, link, threshold, missing columns, bad rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HEADER = (
    "id,given_names,family_name,other_names,sex,birth_date,birth_place,last_known_place,father_name,mother_name,phone"
)
ROWS = [
    "nl-1,Mohammed Abdi,Hassan,,m,~1988,Kismayo,,,,",
    "ke-7,Maxamed Cabdi,Xasan,,M,1987,Kismaayo,Nairobi,Cabdi Xasan,,",
    "camp-3,محمد عبدي,حسن,,,1987-05,كيسمايو,,,,",
    "ua-1,Oleksandr,Shevchenko,,m,1960-02-01,Kharkiv,Lviv,,,",
    "ua-2,Олександр,Шевченко,,m,1960,Харків,,,,",
]


def write(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[list[dict], str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("match_records", *args, "--no-progress", stdout=out, stderr=err)
    return [], out.getvalue(), err.getvalue()


def links(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_dedupe_one_file(tmp_path: Path) -> None:
    left = write(tmp_path / "a.csv", [HEADER, *ROWS], bom=True)
    out = tmp_path / "links.csv"
    _, stdout, _ = run("--left", str(left), "--out", str(out))
    rows = links(out)
    pairs = {frozenset((r["left_id"], r["right_id"])) for r in rows}
    expected = {frozenset(p) for p in [("nl-1", "ke-7"), ("nl-1", "camp-3"), ("ke-7", "camp-3"), ("ua-1", "ua-2")]}
    assert pairs == expected
    assert len(rows) == len(pairs)  # each unordered pair once
    assert all(r["left_id"] != r["right_id"] for r in rows)
    assert list(rows[0]) == ["left_id", "right_id", "score", "decision", "explanation"]
    assert {r["decision"] for r in rows} == {"likely"}
    assert all(float(r["score"]) > 0 and "name=agree" in r["explanation"] for r in rows)
    assert "4 pairs written" in stdout


def test_link_two_files(tmp_path: Path) -> None:
    left = write(tmp_path / "a.csv", [HEADER, ROWS[0], ROWS[3]])
    right = write(tmp_path / "b.csv", [HEADER, ROWS[1], ROWS[2], ROWS[4]])
    out = tmp_path / "links.csv"
    run("--left", str(left), "--right", str(right), "--out", str(out))
    pairs = {(r["left_id"], r["right_id"]) for r in links(out)}
    assert pairs == {("nl-1", "ke-7"), ("nl-1", "camp-3"), ("ua-1", "ua-2")}


def test_link_files_that_reuse_ids(tmp_path: Path) -> None:
    header = "id,given_names,family_name,birth_date"
    left = write(tmp_path / "a.csv", [header, "1,Amina,Farah,1990", "2,Iryna,Boiko,1971"])
    right = write(tmp_path / "b.csv", [header, "1,Ірина,Бойко,1971", "2,Aamina,Faarax,1990"])
    out = tmp_path / "links.csv"
    run("--left", str(left), "--right", str(right), "--out", str(out))
    rows = links(out)
    assert {(r["left_id"], r["right_id"]) for r in rows} == {("1", "2"), ("2", "1")}
    assert all("birth_date=partial" in r["explanation"] for r in rows)  # both dates year-only


def test_threshold_overrides_possible(tmp_path: Path) -> None:
    brother = "ke-8,Ahmed Abdi,Hassan,,m,1995,Kismayo,,,,"
    left = write(tmp_path / "a.csv", [HEADER, *ROWS, brother])
    out = tmp_path / "links.csv"
    run("--left", str(left), "--out", str(out))
    default = links(out)
    assert all("ke-8" not in (r["left_id"], r["right_id"]) for r in default)
    run("--left", str(left), "--out", str(out), "--threshold", "-1000")
    loose = links(out)
    # A very low threshold reports every candidate pair blocking found: the brother too.
    brothers = [r for r in loose if "ke-8" in (r["left_id"], r["right_id"])]
    assert brothers and {r["decision"] for r in brothers} == {"possible"}
    run("--left", str(left), "--out", str(out), "--threshold", "10")
    strict = links(out)
    assert strict and all(float(r["score"]) >= 10 for r in strict)
    assert len(strict) < len(default)


def test_missing_columns_allowed(tmp_path: Path) -> None:
    left = write(
        tmp_path / "a.csv", ["id,given_names,family_name", "1,Amina,Farah", "2,Aamina,Faarax", "3,Iryna,Boiko"]
    )
    out = tmp_path / "links.csv"
    run("--left", str(left), "--out", str(out), "--threshold", "0")
    assert {(r["left_id"], r["right_id"]) for r in links(out)} == {("1", "2")}


def test_bad_rows_reported_with_line_numbers_not_fatal(tmp_path: Path) -> None:
    left = write(
        tmp_path / "a.csv",
        [
            HEADER,
            ROWS[0],
            ",No,Id,,,,,,,,",
            ROWS[1],
            "x,too,many,,,,,,,,,,,extra",
            "nl-1,Dup,Id,,,,,,,,",
            "y,,,,,,,,,,",
        ],
    )
    out = tmp_path / "links.csv"
    _, _, stderr = run("--left", str(left), "--out", str(out))
    assert f"{left}:3: skipped: id is missing" in stderr
    assert f"{left}:5: skipped: more values than columns" in stderr
    assert f"{left}:6: skipped: id 'nl-1' appears twice" in stderr
    assert f"{left}:7: skipped: no data besides the id" in stderr
    assert {(r["left_id"], r["right_id"]) for r in links(out)} == {("nl-1", "ke-7")}


def test_file_without_id_column_is_an_error(tmp_path: Path) -> None:
    left = write(tmp_path / "a.csv", ["name,birth", "Amina,1990"])
    with pytest.raises(CommandError, match="no 'id' column"):
        run("--left", str(left), "--out", str(tmp_path / "o.csv"))


def test_missing_input_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="nope.csv"):
        run("--left", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    left = write(tmp_path / "a.csv", [HEADER, *ROWS])
    out = tmp_path / "links.csv"
    call_command("match_records", "--left", str(left), "--out", str(out), stdout=io.StringIO())
    captured = capsys.readouterr()
    assert "matching" in captured.err and "5/5" in captured.err
    assert "matching:" not in captured.out
