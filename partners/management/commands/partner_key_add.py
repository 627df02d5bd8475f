from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partners.actions import partner_key_add
from partners.management.commands._common import acting_user, add_key_arguments, key_lines, run_action


class Command(BaseCommand):
    help = "Add a signing key to a partner system (HMAC: prints the new secret once)."

    def add_arguments(self, parser: Any) -> None:
        add_key_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        key, secret = run_action(partner_key_add, acting_user=acting_user(opts["by"]), partner_id=opts["partner_id"],
                                 algorithm=opts["algorithm"], public_key=opts["public_key"])
        self.stdout.write("\n".join(key_lines(key, secret)))
