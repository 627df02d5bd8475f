from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partners.actions import partner_register
from partners.management.commands._common import acting_user, run_action
from tracing.models import Office


class Command(BaseCommand):
    help = "Register a partner system acting for an office (run as that office's administrator)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--office", required=True, help="office code, e.g. KE")
        parser.add_argument("--name", required=True)
        parser.add_argument("--by", required=True, help="username of the office administrator acting")

    def handle(self, *args: Any, **opts: Any) -> None:
        office = Office.objects.filter(code=opts["office"]).first()
        if office is None:
            raise CommandError(f"no office {opts['office']!r}")
        partner = run_action(partner_register, acting_user=acting_user(opts["by"]), office_id=office.pk,
                             name=opts["name"])
        self.stdout.write(f"partner id: {partner.pk}")
