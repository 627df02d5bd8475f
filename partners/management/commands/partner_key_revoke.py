from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partners.actions import partner_key_revoke
from partners.management.commands._common import acting_user, run_action


class Command(BaseCommand):
    help = "Revoke a partner's signing key at once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("key_id")
        parser.add_argument("--by", required=True, help="username of the office administrator acting")

    def handle(self, *args: Any, **opts: Any) -> None:
        key = run_action(partner_key_revoke, acting_user=acting_user(opts["by"]), key_id=opts["key_id"])
        self.stdout.write(f"revoked: {key.key_id}")
