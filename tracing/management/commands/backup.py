"""`manage.py backup --output DIR`: the database as ciphertext plus a manifest, never the keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracing.backup import BackupError, create_backup


class Command(BaseCommand):
    help = ("Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup) with a manifest "
            "of checksum, migrations and the key ids it needs. Keys are never included: back them up apart.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="Directory under which the backup directory is made.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = create_backup(Path(options["output"]), alias=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        self.stdout.write(f"Backup written to {path}")
        self.stdout.write(f"Needs these keys (by id, from your secrets store): {json.dumps(manifest['keys_needed'])}")
