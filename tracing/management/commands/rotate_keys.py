"""Rotate encryption keys without downtime. See docs/encryption.md, "Rotation".

    manage.py rotate_keys                 re-wrap data keys under the current KEK
    manage.py rotate_keys --data-keys     give every subject a fresh data key, re-seal, shred the old
    manage.py rotate_keys --index         rebuild blind-index terms under the current index key

Every mode works in batches, is safe to stop and run again, and records one `keys.rotated`
audit event with counts only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.events import record_event
from tracing.crypto import blind
from tracing.crypto.keys import provider, reset_key_cache
from tracing.crypto.rotation import rekey_subjects, rewrap_data_keys


class Command(BaseCommand):
    help = "Re-wrap data keys under the current KEK, re-key subjects (--data-keys) or rebuild blind indexes (--index)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--data-keys", action="store_true", help="Re-key every subject and shred the old keys.")
        mode.add_argument("--index", action="store_true", help="Rebuild blind-index terms under the current key.")
        parser.add_argument("--batch", type=int, default=1000, help="Keys or persons per transaction.")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many (for a partial run).")
        parser.add_argument(
            "--before", default=None,
            help="--data-keys: re-key only keys created before this ISO time (resume with the time printed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1 or (options["limit"] is not None and options["limit"] < 0):
            raise CommandError("--batch must be at least 1 and --limit not negative")
        # Keys may have just been changed in the environment of a long-lived process.
        reset_key_cache()
        blind.reset()
        self.verbosity = options["verbosity"]
        report = self._progress(options["verbosity"])
        if options["index"]:
            operation, data = "index", self._index(options, report)
        elif options["data_keys"]:
            operation, data = "data_keys", self._data_keys(options, report)
        else:
            operation, data = "kek", self._kek(options, report)
        record_event(event_type="keys.rotated", actor=None, data={"operation": operation, **data})
        summary = ", ".join(f"{k}={v}" for k, v in data.items() if not isinstance(v, dict))
        self._say(self.style.SUCCESS(f"rotate_keys {operation}: {summary}"))

    def _say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def _progress(self, verbosity: int) -> Any:
        def report(message: str) -> None:
            if verbosity >= 1:
                self.stdout.write(f"  {message}")

        return report

    def _kek(self, options: dict[str, Any], report: Any) -> dict[str, Any]:
        ring = provider().kek_ring()
        self._say(f"Re-wrapping data keys under KEK {ring.current} (readable: {', '.join(ring.keys)})")
        result = rewrap_data_keys(batch=options["batch"], limit=options["limit"], report=report)
        if result.unreadable:
            self.stderr.write(f"{result.unreadable} data keys are wrapped by a KEK that is not configured")
        return {
            "kek": ring.current, "rewrapped": result.rewrapped, "skipped": result.skipped,
            "unreadable": result.unreadable, "remaining": result.remaining, "from": result.by_old_kek,
        }

    def _data_keys(self, options: dict[str, Any], report: Any) -> dict[str, Any]:
        before: datetime = timezone.now()
        if options["before"]:
            parsed = parse_datetime(options["before"])
            if parsed is None:
                raise CommandError("--before must be an ISO date-time")
            before = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
        self._say(f"Re-keying subjects with keys created before {before.isoformat()} "
                  f"(to resume: --data-keys --before {before.isoformat()})")
        result = rekey_subjects(batch=options["batch"], limit=options["limit"], before=before, report=report)
        return {
            "subjects": result.subjects, "resumed": result.resumed, "values": result.values, "rows": result.rows,
            "files": result.files, "destroyed": result.destroyed, "unreadable": result.unreadable,
            "values_by_model": result.by_model,
        }

    def _index(self, options: dict[str, Any], report: Any) -> dict[str, Any]:
        from cases.indexing import index_rebuild

        result = index_rebuild(batch=options["batch"], limit=options["limit"], report=report)
        if result.remaining:
            self._say(f"{result.remaining} persons still to index: terms of other versions kept")
        return {
            "version": result.version, "persons": result.persons, "terms": result.terms,
            "old_terms_deleted": result.old_terms_deleted, "remaining": result.remaining,
        }
