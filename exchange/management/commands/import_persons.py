"""manage.py import_persons FILE --user NAME: upload, check and import a list from the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exchange.actions import batch_check, batch_confirm, batch_run, batch_upload
from exchange.fields import TARGETS
from exchange.models import ImportBatch, ImportStatus
from tracing.exceptions import TracingError


class Command(BaseCommand):
    help = "Import a CSV, Excel or PFIF 1.4 list of persons as a register of the user's office."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username of the importing caseworker or supervisor")
        parser.add_argument("--label", default="", help="name of the list (default: the file name)")
        parser.add_argument("--encoding", default="utf-8")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help="map a column (header text or 1-based number) to a field: "
                                 + ", ".join(TARGETS))
        parser.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
        parser.add_argument("--chunk-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {options['user']!r}") from exc
        try:
            batch, created = batch_upload(acting_user=user, filename=path.name, content=path.read_bytes(),
                                          label=options["label"] or path.name, encoding=options["encoding"])
            if not created:
                self.stdout.write(f"This file was already uploaded (import {batch.id}, {batch.status}).")
            if batch.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
                if options["chunk_size"] != batch.chunk_size:
                    ImportBatch.objects.filter(pk=batch.pk).update(chunk_size=max(1, options["chunk_size"]))
                batch = batch_check(acting_user=user, batch_id=batch.id, mapping=self._mapping(batch, options["map"]))
            self._report(batch)
            if batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not options["dry_run"]:
                self.stdout.write("Resuming after the last committed chunk.")
            elif options["dry_run"] or batch.status != ImportStatus.CHECKED or batch.problem_count:
                return
            else:
                batch_confirm(acting_user=user, batch_id=batch.id, schedule=False)  # run here, with progress
            batch = batch_run(batch_id=batch.id, on_progress=self._progress)
        except TracingError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        sys.stderr.write("\n")
        self.stdout.write(f"{batch.status}: {batch.done_rows - batch.skipped_rows} persons imported, "
                          f"{batch.skipped_rows} already known, register {batch.register}")

    def _mapping(self, batch: ImportBatch, pairs: list[str]) -> dict[str, str] | None:
        if not pairs:
            return None
        mapping: dict[str, str] = {}
        for pair in pairs:
            column, _sep, field = pair.partition("=")
            index = int(column) - 1 if column.isdigit() else (
                batch.columns.index(column) if column in batch.columns else -1)
            if index < 0:
                raise CommandError(f"no column {column!r}; the columns are: {', '.join(batch.columns)}")
            mapping[str(index)] = field
        return mapping

    def _report(self, batch: ImportBatch) -> None:
        if batch.status == ImportStatus.FAILED:
            raise CommandError(f"refused: {batch.error}")
        self.stdout.write(f"{batch.total_rows} rows, {batch.problem_count} problems")
        for p in batch.problems:
            self.stdout.write(f"  row {p['row']}, column {p['column']}: {p['problem']}")

    def _progress(self, batch: ImportBatch) -> None:
        sys.stderr.write(f"\r{batch.done_rows}/{batch.total_rows} rows ({batch.percent}%)")
        sys.stderr.flush()
