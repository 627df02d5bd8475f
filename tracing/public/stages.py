"""Every case state in plain words for the enquirer, and what the status page may show.

The enquirer sees a stage, never the internal state: "located" and "consent requested" read
as "we are working on your request" until the found person's consent allows more, so the page
never tells more about the sought person than the enquirer supplied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.actions.consent import ALLOWED_DISCLOSURES
from cases.models import Case, Consent, Disclosure, DisclosureKind, Note, NoteVisibility, PersonRole
from cases.workflow import CloseReason, DeclineReason, State


@dataclass(frozen=True)
class Stage:
    key: str
    title: Promise
    text: Promise
    next: Promise


STAGES: dict[str, Stage] = {
    s.key: s
    for s in [
        Stage("checking", _("We have received your request"),
              _("We are checking whether we can search for your relative."),
              _("We will tell you when we have decided. This usually takes a few weeks.")),
        Stage("accepted", _("Your request has been accepted"),
              _("We can search for your relative. The search will start soon."),
              _("We will tell you when the search starts.")),
        Stage("declined", _("We cannot take on your request"),
              _("We are sorry: we are not able to search for your relative."),
              _("If your situation changes, you can contact us again.")),
        Stage("searching", _("We are working on your request"),
              _("We are searching for your relative, together with our partners in other countries where needed."),
              _("A search can take a long time. We will tell you when there is news. "
                "Keep your contact details up to date so that we can reach you.")),
        Stage("found", _("There is news about your relative"),
              _("The person you are looking for has been found."),
              _("Read below what the person agreed that we may tell you.")),
        Stage("not_found", _("We could not find your relative"),
              _("We have searched everywhere we could and did not find your relative."),
              _("If you learn something new, tell us: we can search again.")),
        Stage("contact_us", _("Please contact us"),
              _("Your caseworker has news that they want to give you in person."),
              _("Please contact your caseworker by phone or come to our office.")),
        Stage("withdrawn", _("You stopped your request"),
              _("You told us that you no longer want us to search."),
              _("If you change your mind, you can contact us again.")),
        Stage("unreachable", _("We could not reach you"),
              _("We tried to contact you but could not reach you."),
              _("Please contact us and check your contact details below.")),
        Stage("closed", _("Your request is closed"),
              _("We have finished our work on your request."),
              _("If you have new information, you can contact us again.")),
    ]
}

DECLINE_WORDS: dict[str, Promise] = {
    DeclineReason.NOT_RELATIVE: _("We can only search for members of your family, and we could not confirm that "
                                  "you are related."),
    DeclineReason.MINOR_OUT_OF_MANDATE: _("The person you are looking for is a child, and another organisation "
                                          "is responsible for searching for children in this situation."),
    DeclineReason.DEBT_OR_LEGAL: _("We do not search for people because of debts or court cases."),
    # Deliberately vague: naming the risk could itself endanger someone.
    DeclineReason.RISK_TO_SOUGHT: _("We are not able to search in this situation."),
    DeclineReason.INSUFFICIENT_INFORMATION: _("We do not have enough information to start a search. If you learn "
                                              "more, you can ask us again."),
    DeclineReason.OTHER_SERVICE: _("Another organisation is better placed to help you. Your caseworker can tell "
                                   "you which one."),
}

CLOSE_WORDS: dict[str, Promise] = {
    CloseReason.REUNITED: _("Contact with your relative has been restored."),
    # Neutral on purpose: that the person was found and refused is theirs to tell.
    CloseReason.CONTACT_REFUSED: _("The search has ended. We were not able to restore contact."),
    CloseReason.NOT_FOUND: _("We have searched everywhere we could and did not find your relative."),
    CloseReason.DECEASED: _("Your caseworker has news that they want to give you in person. Please contact us."),
    CloseReason.WITHDRAWN: _("You told us that you no longer want us to search."),
    CloseReason.UNREACHABLE: _("We could not reach you. Contact us if you want us to continue."),
    CloseReason.DECLINED: _("We were not able to take on your request."),
    CloseReason.DUPLICATE: _("Your request was joined with another request of yours. Contact us for its reference."),
}

_STATE_STAGE = {
    State.RECEIVED: "checking",
    State.ELIGIBILITY_REVIEW: "checking",
    State.ACCEPTED: "accepted",
    State.DECLINED: "declined",
    State.SEARCHING: "searching",
    # Until consent allows it, a located person looks exactly like an ongoing search.
    State.LOCATED: "searching",
    State.CONSENT_REQUESTED: "searching",
    State.CONSENT_REFUSED: "searching",
    State.CONSENT_GIVEN: "searching",
    State.CONTACT_SHARED: "searching",
    State.MESSAGE_RELAYED: "searching",
    State.NOT_FOUND: "not_found",
    State.DECEASED: "contact_us",
    State.WITHDRAWN: "withdrawn",
    State.UNREACHABLE: "unreachable",
    State.CLOSED: "closed",
}
assert set(_STATE_STAGE) == set(State.values), "every state needs a plain-language stage"


def active_consents(case: Case) -> dict[Any, Consent]:
    """The one active consent per sought person (a new decision withdraws the previous one)."""
    consents = Consent.objects.filter(case=case, withdrawn_at__isnull=True, person__role=PersonRole.SOUGHT,
                                      person__erased_at__isnull=True).order_by("recorded_at")
    return {c.person_id: c for c in consents}


def allows(consent: Consent | None, kind: str) -> bool:
    return consent is not None and kind in ALLOWED_DISCLOSURES.get(consent.scope, frozenset())


@dataclass
class FoundView:
    """What the enquirer may know about one sought person: exactly what the consent allows."""

    person_id: Any
    relationship: str
    alive: bool
    contacts: list[str] = field(default_factory=list)
    may_message: bool = False


def stage_key(case: Case, found: list[FoundView]) -> str:
    key = _STATE_STAGE[case.state]
    if key == "searching" and any(f.alive for f in found):
        return "found"
    if case.state == State.CLOSED and case.state_reason == CloseReason.DECEASED:
        return "contact_us"
    return key


def found_views(case: Case) -> list[FoundView]:
    consents = active_consents(case)
    views = []
    for person in case.persons.filter(role=PersonRole.SOUGHT, erased_at__isnull=True).order_by("created_at"):
        consent = consents.get(person.pk)
        if not allows(consent, DisclosureKind.ALIVE):
            continue
        contacts = []
        if allows(consent, DisclosureKind.CONTACT):
            # Only disclosures made under the consent in force: a withdrawn consent hides them.
            contacts = [d.content for d in Disclosure.objects.filter(case=case, person=person, consent=consent,
                                                                      kind=DisclosureKind.CONTACT)
                        .select_related("data_key").order_by("disclosed_at")]
        views.append(FoundView(
            person_id=person.pk, relationship=person.get_relationship_display() if person.relationship else "",
            alive=True, contacts=contacts, may_message=allows(consent, DisclosureKind.MESSAGE),
        ))
    return views


def stage_for(case: Case, found: list[FoundView] | None = None) -> tuple[Stage, Promise | str]:
    """The plain stage of a case and, for a decline or a closure, the reason in plain words
    (lazy: it is rendered in the reader's language)."""
    stage = STAGES[stage_key(case, found_views(case) if found is None else found)]
    reason: Promise | str = ""
    if stage.key == "declined":
        reason = DECLINE_WORDS.get(case.state_reason, "")
    elif stage.key == "closed":
        reason = CLOSE_WORDS.get(case.state_reason, "")
    return stage, reason


def enquirer_notes(case: Case) -> list[Note]:
    return list(Note.objects.filter(case=case, visibility=NoteVisibility.ENQUIRER).select_related("data_key")
                .order_by("-created_at"))
