"""What a case event tells whom. Messages go through the outbox; none names the sought person."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, PersonRole
from cases.workflow import State, Transition
from tracing.outbox import outbox_enqueue


def notify_transition(case: Case, spec: Transition, acting_user: Any) -> None:
    key = f"case:{case.id}:v{case.version}:{spec.name}"
    if case.assigned_to_id and case.assigned_to_id != acting_user.pk:
        outbox_enqueue(
            key=key + ":caseworker", kind="case.transition", data_key=case.data_key, to_user=case.assigned_to,
            subject=_("Case %(ref)s: %(state)s") % {"ref": case.reference, "state": State(case.state).label},
            body=_("Case %(ref)s moved to “%(state)s”.") % {"ref": case.reference, "state": State(case.state).label},
            case_id=case.id,
        )
    if spec.notify_enquirer:
        enquirer = case.persons.filter(role=PersonRole.ENQUIRER).select_related("data_key").first()
        if enquirer and enquirer.email and not enquirer.erased_at:
            language = (enquirer.languages or ["en"])[0] if isinstance(enquirer.languages, list) else "en"
            with translation.override(language):
                outbox_enqueue(
                    key=key + ":enquirer", kind="enquirer.stage", data_key=case.data_key,
                    recipient=enquirer.email, language=language, case_id=case.id,
                    subject=_("Your tracing request %(ref)s") % {"ref": case.reference},
                    body=_("There is news about your tracing request %(ref)s: it is now at the stage “%(state)s”. "
                           "You can see more on the status page with your access code.")
                    % {"ref": case.reference, "state": State(case.state).label},
                )
