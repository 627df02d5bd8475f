"""`manage.py verify_audit`: recompute the audit chain and check every signed checkpoint."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.verify import verify_chain

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Verify the audit hash chain and its signed checkpoints; exit 1 on any problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=20_000)
        parser.add_argument("--database", default="default")
        parser.add_argument("--workers", type=int, default=1, help="processes hashing in parallel")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain(
            batch_size=options["batch_size"], workers=options["workers"], using=options["database"]
        )
        if not result.guards_present:
            self.stderr.write(
                "warning: the append-only triggers on the audit tables are missing or disabled"
            )
        if result.ok:
            self.stdout.write(json.dumps(result.as_dict(), sort_keys=True))
            return
        for problem in result.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(f"{problem.code}: {problem.message}")
        first = result.problems[0]
        where = f"first bad seq {first.seq}" if first.seq is not None else "checkpoint"
        raise CommandError(f"audit chain verification FAILED ({where}): {first.message}")
