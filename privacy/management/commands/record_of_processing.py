"""`manage.py record_of_processing [--check]`: (re)generate docs/record-of-processing.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.register import OUTPUT, render, render_configured


class Command(BaseCommand):
    help = "Write the record of processing (docs/record-of-processing.md) from the models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="exit non-zero if the file is not up to date")
        parser.add_argument("--configured", action="store_true",
                            help="print the record plus this database's offices and retention rules (not written)")

    def handle(self, *args: Any, **options: Any) -> None:
        text = render()
        if options["configured"]:
            self.stdout.write(text + "\n" + render_configured())
            return
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if options["check"]:
            if current != text:
                raise CommandError(f"{OUTPUT} is out of date: run manage.py record_of_processing")
            self.stdout.write("up to date")
            return
        OUTPUT.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {OUTPUT}")
