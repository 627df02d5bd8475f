"""manage.py match_records: de-duplicate one CSV file of persons or link two, without a database."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from tqdm import tqdm

from matching.explain import explain
from matching.linking import link_records
from matching.records import FIELD_NAMES, PersonRecord
from matching.scoring import Weights, load_weights

OUTPUT_COLUMNS = ("left_id", "right_id", "score", "decision", "explanation")


def read_records(path: Path, stderr: OutputWrapper) -> list[PersonRecord]:
    """Valid rows of a CSV file as records; each bad row is reported with its line number."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")  # utf-8-sig drops a BOM
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc
    records: list[PersonRecord] = []
    seen: set[str] = set()
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if "id" not in header:
            raise CommandError(f"{path}: no 'id' column (columns: {', '.join(header) or 'none'})")
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                problem = _row_problem(row, seen)
                if problem:
                    stderr.write(f"{path}:{line}: skipped: {problem}\n")
                    continue
                record = PersonRecord.from_mapping(row)
                seen.add(record.id)
                records.append(record)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}:{reader.line_num}: unreadable CSV: {exc}") from exc
    return records


def _row_problem(row: dict[str | None, str | list[str] | None], seen: set[str]) -> str | None:
    if None in row:
        return "more values than columns"
    ident = (row.get("id") or "").strip()
    if not ident:
        return "id is missing"
    if ident in seen:
        return f"id {ident!r} appears twice"
    if not any((row.get(f) or "").strip() for f in FIELD_NAMES if f != "id"):
        return "no data besides the id"
    return None


class Command(BaseCommand):
    help = (
        "Find likely and possible matches within one CSV file of persons (--left) or between "
        "two (--left, --right). Writes left_id, right_id, score, decision, explanation."
    )
    # Plain files in, plain file out: must run before migrate, with no database at all.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--left", required=True, type=Path, help="CSV file of persons")
        parser.add_argument("--right", type=Path, help="second CSV file: link instead of de-duplicate")
        parser.add_argument("--out", required=True, type=Path, help="CSV file to write the links to")
        parser.add_argument(
            "--threshold", type=float, help="score (bits) to report from, instead of the `possible` threshold"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: object, **options: object) -> None:
        left = read_records(options["left"], self.stderr)
        right = read_records(options["right"], self.stderr) if options["right"] else None
        weights = load_weights()
        bar = tqdm(
            total=len(left), unit="record", file=sys.stderr, disable=bool(options["no_progress"]),
            desc="matching",
        )  # fmt: skip
        written = 0
        try:
            with options["out"].open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(OUTPUT_COLUMNS)
                for row in self._rows(left, right, weights, options["threshold"], bar):
                    writer.writerow(row)
                    written += 1
        except OSError as exc:
            raise CommandError(f"{options['out']}: {exc.strerror}") from exc
        finally:
            bar.close()
        mode = "linked" if right is not None else "de-duplicated"
        self.stdout.write(f"{mode} {len(left)}{'' if right is None else f' x {len(right)}'} records: "
                          f"{written} pairs written to {options['out']}")  # fmt: skip

    def _rows(
        self,
        left: list[PersonRecord],
        right: list[PersonRecord] | None,
        weights: Weights,
        threshold: float | None,
        bar: tqdm,
    ) -> Iterator[tuple[str, str, str, str | None, str]]:
        done = 0
        # The two files may reuse each other's ids: look each side up in its own file.
        left_by_id = {r.id: r for r in left}
        right_by_id = left_by_id if right is None else {r.id: r for r in right}

        def progress(n: int) -> None:
            nonlocal done
            bar.update(n - done)
            done = n

        for pair in link_records(left, right, weights=weights, threshold=threshold, progress=progress):
            text = explain(pair, left_by_id[pair.left_id], right_by_id[pair.right_id], visible_fields=()).as_text()
            yield pair.left_id, pair.right_id, f"{pair.score:.2f}", pair.decision, text
        bar.update(len(left) - done)
