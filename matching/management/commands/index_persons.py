"""manage.py index_persons: give stored persons the terms of a new blind index, or their
match records.

    manage.py index_persons --index name_pair                 every person, in primary-key order
    manage.py index_persons --index name_pair --after <pk>    resume after the last key printed
    manage.py index_persons --match-records                   persons without a match record

Persons created or changed after the new code is deployed are indexed by `person_reindex`;
this command does the persons stored before. Search and matching work throughout (other
indexes are not touched; a person without a match record is read from its own rows). One
`index.extended` audit event with counts only. A change of index *key* is
`rotate_keys --index` instead (docs/encryption.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.events import record_event
from cases.indexing import index_extend, match_records_extend
from tracing.crypto import blind


class Command(BaseCommand):
    help = "Write the terms of the given blind indexes for every stored person (records index.extended)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--index", action="append", default=[], choices=sorted(blind.INDEXES),
                            help="Blind index to write (repeatable).")
        parser.add_argument("--match-records", action="store_true",
                            help="Write the match record of every person that has none.")
        parser.add_argument("--batch", type=int, default=1000, help="Persons per transaction.")
        parser.add_argument("--after", default=None, help="Resume after this person id (printed by a run).")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many persons.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1 or (options["limit"] is not None and options["limit"] < 0):
            raise CommandError("--batch must be at least 1 and --limit not negative")
        if bool(options["index"]) == options["match_records"]:
            raise CommandError("give either --index (repeatable) or --match-records")
        blind.reset()  # index keys may have changed in this process's environment

        def report(message: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {message}")

        if options["match_records"]:
            self._match_records(options, report)
            return
        result = index_extend(
            indexes=options["index"], batch=options["batch"], after=options["after"],
            limit=options["limit"], report=report,
        )  # fmt: skip
        # Counts only: ids of persons would say nothing an operator needs and are personal data.
        record_event(
            event_type="index.extended",
            actor=None,
            data={"indexes": list(result.indexes), "version": result.version, "persons": result.persons,
                  "terms": result.terms, "by_index": result.by_index},
        )  # fmt: skip
        self.stdout.write(
            f"index_persons: {result.persons} persons, {result.terms} terms ({', '.join(result.indexes)}, "
            f"key {result.version}); last person {result.last or '-'}"
        )

    def _match_records(self, options: dict[str, Any], report: Callable[[str], None]) -> None:
        result = match_records_extend(
            batch=options["batch"], after=options["after"], limit=options["limit"], report=report
        )
        record_event(event_type="index.extended", actor=None,
                     data={"match_records": result.persons})  # fmt: skip
        self.stdout.write(f"index_persons: {result.persons} match records; last person {result.last or '-'}")
