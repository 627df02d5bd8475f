"""What each key still protects: run before removing a KEK or an index key from the settings."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracing.crypto.keys import reset_key_cache
from tracing.crypto.rotation import key_status


class Command(BaseCommand):
    help = "Data keys and encrypted values per KEK, destroyed keys, blind-index terms per key version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        reset_key_cache()
        status = key_status()
        if options["json"]:
            self.stdout.write(json.dumps(status, indent=2, sort_keys=True))
            return
        out = self.stdout.write
        out(f"Current KEK: {status['current_kek']}")
        for kek_id, entry in sorted(status["keks"].items()):
            flags = [] if entry["configured"] else ["NOT CONFIGURED: these values cannot be read"]
            if entry["current"]:
                flags.append("current")
            out(f"kek {kek_id}: {entry['data_keys']} data keys, {entry['values']} values, {entry['files']} files"
                + (f" ({'; '.join(flags)})" if flags else ""))
            for label, n in sorted(entry["by_field"].items()):
                out(f"    {label}: {n}")
            if entry["safe_to_retire"]:
                out(f"kek {kek_id}: 0 values — safe to retire")
        keys = status["data_keys"]
        out(f"Data keys: {keys['live']} live, {keys['destroyed']} destroyed, "
            f"{keys['retired_pending']} retired but not yet destroyed (rotation in progress)")
        for purpose, n in sorted(keys["by_purpose"].items()):
            out(f"    {purpose}: {n}")
        index = status["index"]
        out(f"Blind index: current version {index['current_version']}")
        for version, n in sorted(index["terms"].items()):
            configured = "" if version in index["configured_versions"] else " (key not configured)"
            out(f"    {version}: {n} terms{configured}")
        for version in index["safe_to_retire"]:
            out(f"index key {version}: 0 terms — safe to retire")
