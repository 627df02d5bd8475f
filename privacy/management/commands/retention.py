"""`manage.py retention --dry-run|--apply`: the nightly retention run, by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.actions import GRACE_DAYS, retention_apply, retention_dry_run


class Command(BaseCommand):
    help = "Retention: report the closed cases due for erasure (--dry-run) or erase them (--apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--dry-run", action="store_true", help="record and notify what is due; change nothing")
        mode.add_argument("--apply", action="store_true",
                          help="erase what an earlier dry run listed and is still due")
        parser.add_argument("--grace-days", type=int, default=GRACE_DAYS,
                            help=f"days between the dry run and erasure (default {GRACE_DAYS}; 0: any dry run "
                                 "up to now, e.g. the one just made)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            run = retention_dry_run(triggered_by="command")
            self.stdout.write(f"dry run {run.pk}: {run.due} cases due")
            for case_id in run.case_ids:
                self.stdout.write(f"  {case_id}")
            return
        run = retention_apply(triggered_by="command", grace_days=options["grace_days"])
        self.stdout.write(f"applied run {run.pk}: {run.erased_cases} cases and {run.erased_persons} persons erased, "
                          f"{run.skipped} skipped")
