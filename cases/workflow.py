"""The one state machine of a tracing case.

Each transition names who may perform it (roles, through the permission policy's
`case.transition` check), what it requires (a reason from a fixed list, recorded consent),
and its side effects (history, audit event, notification). `case_transition` in
cases/actions.py is the only code that changes `Case.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tracing.exceptions import InvalidTransition
from tracing.models import Role


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    ELIGIBILITY_REVIEW = "eligibility_review", _("Eligibility review")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SEARCHING = "searching", _("Searching")
    LOCATED = "located", _("Located")
    CONSENT_REQUESTED = "consent_requested", _("Consent requested")
    CONSENT_GIVEN = "consent_given", _("Consent given")
    CONSENT_REFUSED = "consent_refused", _("Consent refused")
    CONTACT_SHARED = "contact_shared", _("Contact shared")
    MESSAGE_RELAYED = "message_relayed", _("Message relayed")
    NOT_FOUND = "not_found", _("Not found after exhaustive search")
    DECEASED = "deceased", _("Sought person deceased")
    WITHDRAWN = "withdrawn", _("Enquirer withdrew")
    UNREACHABLE = "unreachable", _("Enquirer unreachable")
    CLOSED = "closed", _("Closed")

    @classmethod
    def terminal(cls) -> frozenset[str]:
        return frozenset({cls.CLOSED})

    @classmethod
    def open_states(cls) -> list[str]:
        return [s for s in cls.values if s not in cls.terminal()]


class DeclineReason(models.TextChoices):
    NOT_RELATIVE = "not_relative", _("The enquirer is not a relative")
    MINOR_OUT_OF_MANDATE = "minor_out_of_mandate", _("The sought person is a minor and outside the mandate")
    DEBT_OR_LEGAL = "debt_or_legal", _("Debt collection or legal pursuit")
    RISK_TO_SOUGHT = "risk_to_sought", _("Risk to the sought person")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to search")
    OTHER_SERVICE = "other_service", _("Another service is better placed")


class DeathEvidence(models.TextChoices):
    DEATH_CERTIFICATE = "death_certificate", _("Death certificate")
    AUTHORITY = "authority", _("Confirmed by an authority")
    WITNESS = "witness", _("Witness account")
    FAMILY = "family", _("Confirmed by family")


class CloseReason(models.TextChoices):
    REUNITED = "reunited", _("Contact restored or reunited")
    CONTACT_REFUSED = "contact_refused", _("The found person refused contact")
    NOT_FOUND = "not_found", _("Not found after exhaustive search")
    DECEASED = "deceased", _("The sought person has died")
    WITHDRAWN = "withdrawn", _("The enquirer withdrew")
    UNREACHABLE = "unreachable", _("The enquirer could not be reached")
    DECLINED = "declined", _("The request was declined")
    DUPLICATE = "duplicate", _("Duplicate of another case")


class ReopenReason(models.TextChoices):
    NEW_INFORMATION = "new_information", _("New information")
    ENQUIRER_RETURNED = "enquirer_returned", _("The enquirer came back")
    CLOSED_IN_ERROR = "closed_in_error", _("Closed in error")


WORKERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str] = WORKERS
    reasons: type[models.TextChoices] | None = None
    requires_consent: frozenset[str] = field(default_factory=frozenset)
    notify_enquirer: bool = False
    partner_may: bool = False  # a partner office with a share may perform it


_OPEN_BEFORE_OUTCOME = frozenset(
    {State.RECEIVED, State.ELIGIBILITY_REVIEW, State.ACCEPTED, State.SEARCHING, State.LOCATED, State.CONSENT_REQUESTED}
)
_ENDED = frozenset(
    {
        State.DECLINED, State.CONSENT_REFUSED, State.CONTACT_SHARED, State.MESSAGE_RELAYED,
        State.NOT_FOUND, State.DECEASED, State.WITHDRAWN, State.UNREACHABLE, State.CONSENT_GIVEN,
    }
)

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("start_review", _("Start eligibility review"), frozenset({State.RECEIVED}),
                   State.ELIGIBILITY_REVIEW),
        Transition("accept", _("Accept the request"), frozenset({State.ELIGIBILITY_REVIEW}), State.ACCEPTED,
                   roles=SUPERVISORS, notify_enquirer=True),
        Transition("decline", _("Decline the request"), frozenset({State.ELIGIBILITY_REVIEW}), State.DECLINED,
                   roles=SUPERVISORS, reasons=DeclineReason, notify_enquirer=True),
        Transition("start_search", _("Start searching"), frozenset({State.ACCEPTED}), State.SEARCHING,
                   notify_enquirer=True),
        Transition("mark_located", _("Mark as located"), frozenset({State.SEARCHING}), State.LOCATED),
        Transition("request_consent", _("Request consent"), frozenset({State.LOCATED}), State.CONSENT_REQUESTED),
        Transition("record_consent_given", _("Consent given"), frozenset({State.CONSENT_REQUESTED}),
                   State.CONSENT_GIVEN,
                   requires_consent=frozenset({"share_contact", "alive_only", "relay_messages"})),
        Transition("record_consent_refused", _("Consent refused"), frozenset({State.CONSENT_REQUESTED}),
                   State.CONSENT_REFUSED, notify_enquirer=True),
        # Reaching "contact shared" needs consent to share contact: disclosure is its own action.
        Transition("share_contact", _("Contact shared"), frozenset({State.CONSENT_GIVEN}), State.CONTACT_SHARED,
                   requires_consent=frozenset({"share_contact"}), notify_enquirer=True),
        Transition("relay_message", _("Message relayed"), frozenset({State.CONSENT_GIVEN, State.CONSENT_REFUSED}),
                   State.MESSAGE_RELAYED, requires_consent=frozenset({"relay_messages", "share_contact", "alive_only"}),
                   notify_enquirer=True),
        Transition("mark_not_found", _("Not found after exhaustive search"), frozenset({State.SEARCHING}),
                   State.NOT_FOUND, roles=SUPERVISORS, notify_enquirer=True),
        Transition("mark_deceased", _("Sought person deceased"), frozenset({State.SEARCHING, State.LOCATED}),
                   State.DECEASED, reasons=DeathEvidence),
        Transition("withdraw", _("Enquirer withdrew"), _OPEN_BEFORE_OUTCOME, State.WITHDRAWN),
        Transition("mark_unreachable", _("Enquirer unreachable"), _OPEN_BEFORE_OUTCOME | {State.CONSENT_GIVEN},
                   State.UNREACHABLE),
        Transition("close", _("Close the case"), _ENDED, State.CLOSED, roles=SUPERVISORS, reasons=CloseReason,
                   notify_enquirer=True),
        Transition("reopen", _("Reopen"), frozenset({State.CLOSED}), State.SEARCHING, roles=SUPERVISORS,
                   reasons=ReopenReason),
    ]
}


def available_from(state: str, kind: str = "tracing") -> list[Transition]:
    if kind == "register":
        return []
    return [t for t in TRANSITIONS.values() if state in t.sources]


def refuse_on_register(case: Any) -> None:
    """A register (Case.kind "register": a list received from elsewhere) has no workflow:
    its persons are there to be found by matching, not traced. Every transition is refused."""
    if getattr(case, "kind", "tracing") == "register":
        raise InvalidTransition(_("A received person list has no workflow steps."))
