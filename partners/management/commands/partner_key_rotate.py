from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from partners.actions import partner_key_rotate
from partners.management.commands._common import acting_user, add_key_arguments, key_lines, run_action


class Command(BaseCommand):
    help = "Add a new signing key; the partner's older keys expire after the overlap (default 7 days)."

    def add_arguments(self, parser: Any) -> None:
        add_key_arguments(parser)
        parser.add_argument("--overlap-days", type=int, default=7)

    def handle(self, *args: Any, **opts: Any) -> None:
        key, secret = run_action(partner_key_rotate, acting_user=acting_user(opts["by"]),
                                 partner_id=opts["partner_id"], algorithm=opts["algorithm"],
                                 public_key=opts["public_key"], overlap=timedelta(days=opts["overlap_days"]))
        self.stdout.write("\n".join(key_lines(key, secret)))
