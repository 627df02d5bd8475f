"""What a case event tells whom. Messages go through the outbox; none names the sought person.

The enquirer's email is rendered from `templates/public/email/enquirer_stage.txt` in their
language and says the stage in the same plain words as the status page (tracing.public.stages),
so it never tells more than the page may. Accepting a request also gives an enquirer with an
email address their first status-page access code, in the same message.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cases.models import Case
from cases.workflow import State, Transition
from tracing.outbox import outbox_enqueue

#: Transitions with `notify_enquirer` that still send the enquirer nothing: that a person was
#: found and refused contact is not ours to announce; the enquirer hears when the case closes.
SILENT_FOR_ENQUIRER = frozenset({"record_consent_refused"})


def notify_transition(case: Case, spec: Transition, acting_user: Any) -> None:
    key = f"case:{case.id}:v{case.version}:{spec.name}"
    if case.assigned_to_id and case.assigned_to_id != acting_user.pk:
        outbox_enqueue(
            key=key + ":caseworker", kind="case.transition", data_key=case.data_key, to_user=case.assigned_to,
            subject=_("Case %(ref)s: %(state)s") % {"ref": case.reference, "state": State(case.state).label},
            body=_("Case %(ref)s moved to “%(state)s”.") % {"ref": case.reference, "state": State(case.state).label},
            case_id=case.id,
        )
    if spec.notify_enquirer and spec.name not in SILENT_FOR_ENQUIRER:
        notify_enquirer_stage(case, spec, acting_user, key=key + ":enquirer")


def notify_enquirer_stage(case: Case, spec: Transition, acting_user: Any, *, key: str) -> None:
    """Email the enquirer the new stage in plain words, in their language (nothing without an address)."""
    # Imported here: tracing.public builds on the case actions that import this module.
    from tracing.public.actions import enquirer_access_issue_on_accept
    from tracing.public.notify import email_person, enquirer_of
    from tracing.public.stages import stage_for

    enquirer = enquirer_of(case)
    if enquirer is None or not enquirer.email:
        return
    issued = enquirer_access_issue_on_accept(case=case, acting_user=acting_user) if spec.name == "accept" else None
    stage, reason = stage_for(case)
    email_person(key=key, kind="enquirer.stage", case=case, person=enquirer, template="enquirer_stage",
                 context={"stage": stage, "reason": reason, "code": issued.code_display if issued else ""})
