"""manage.py refit_match_weights: new m/u weights and thresholds from confirmed and rejected proposals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching.actions import MIN_REFIT_DECISIONS, match_weights_refit
from tracing.exceptions import ValidationFailed


class Command(BaseCommand):
    help = "Refit the matching weights from reviewers' decisions (records match.weights_refitted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--min-decisions", type=int, default=MIN_REFIT_DECISIONS,
            help="Confirmed and rejected proposals needed of each (default %(default)s).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            weight_set = match_weights_refit(min_decisions=options["min_decisions"])
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"weight set {weight_set.pk}: {weight_set.confirmed} confirmed, {weight_set.rejected} rejected; "
            f"likely >= {weight_set.likely:.2f} bits, possible >= {weight_set.possible:.2f} bits"
        )
