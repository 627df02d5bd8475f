"""`manage.py restore BACKUP_DIR`: into a fresh (empty) database, then check the keys it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracing.backup import BackupError, missing_keys, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into an empty database (default: DATABASE_URL). "
            "The keys are not in the backup: configure the ones its manifest names before starting the service.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_dir", help="The backup directory (with manifest.json).")
        parser.add_argument("--database-url", default="", help="Target database (default: this DATABASE_URL).")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["database_url"] or settings.DATABASE_URL
        try:
            manifest = restore_backup(Path(options["backup_dir"]), target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {manifest['file']} ({manifest['vendor']}, made {manifest['created_at']})")
        missing = missing_keys(manifest)
        if missing:
            self.stderr.write(f"Keys not configured here, values under them cannot be read: {missing}")
        else:
            self.stdout.write("Every key id the backup needs is configured.")
        self.stdout.write("Next: migrate, re-apply erasures since the backup, verify_audit (docs/operations.md).")
