"""Writes of the public side: access codes, submissions, online consent, relayed messages.

Staff actions take `acting_user` and go through cases.access like every case action. Public
actions take the verified `access` (tracing.public.access.session_access) instead of a user:
it already names the case and the person, and nothing else can be reached from it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.actions import attachment_add, contact_disclose, person_update
from cases.actions.common import touch
from cases.attachments import sniff_type
from cases.models import Case, Consent, ConsentScope, ConsentSource, DisclosureKind, NameKind, Person, PersonRole
from cases.workflow import State
from tracing.exceptions import InvalidTransition, NotPermitted, ValidationFailed
from tracing.public.access import access_unlock_reference
from tracing.public.codes import code_format, code_generate, code_hash, handle_generate
from tracing.public.conf import conf
from tracing.public.models import (
    AccessAudience,
    AccessChannel,
    EnquirerSubmission,
    PublicAccess,
    RelayDirection,
    RelayMessage,
    RelayStatus,
    SubmissionKind,
    SubmissionStatus,
)
from tracing.public.notify import email_office, email_person, enquirer_of, person_language, supported_language
from tracing.public.stages import active_consents, allows

#: States before the office has decided: no status page yet.
_NOT_YET = frozenset({State.RECEIVED, State.ELIGIBILITY_REVIEW})
#: States in which a found person may be asked for consent online.
FOUND_STATES = frozenset({State.LOCATED, State.CONSENT_REQUESTED, State.CONSENT_GIVEN, State.CONSENT_REFUSED,
                           State.CONTACT_SHARED, State.MESSAGE_RELAYED})


@dataclass(frozen=True)
class IssuedAccess:
    """A new access code. `code` exists only here, for the one page or message that shows it."""

    access: PublicAccess
    code: str
    login: str  # what the person types as reference: the case reference, or the found person's handle

    @property
    def code_display(self) -> str:
        return code_format(self.code)


def _lock_case(case_id: Any) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("data_key", "office").get(pk=case_id)


def _revoke(qs: Any, now: Any) -> int:
    count = 0
    for row in qs.select_for_update():
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        count += 1
    return count


def _issue(*, case: Case, person: Person, audience: str, channel: str, acting_user: Any,
           unlock: bool = True) -> IssuedAccess:
    """Create an access code inside an action that holds the case lock (not an entry point)."""
    if channel not in AccessChannel.values:
        raise ValidationFailed(_("Choose how the code reaches the person."), field_errors={"channel": [_("Choose.")]})
    if channel == AccessChannel.EMAIL and not person.email:
        raise ValidationFailed(_("There is no email address for this person: choose a text message or a letter."),
                               field_errors={"channel": [_("No email address.")]})
    now = timezone.now()
    language = person_language(person, case)  # before revoking: the language chosen with the old code counts
    # Reissuing replaces: the previous code stops working at once.
    revoked = _revoke(PublicAccess.objects.filter(person=person, audience=audience, revoked_at__isnull=True), now)
    code = code_generate()
    access = PublicAccess(case=case, person=person, audience=audience, channel=channel, code_hash=code_hash(code),
                          language=language, issued_by=acting_user, issued_at=now)
    if audience == AccessAudience.FOUND:
        access.handle = handle_generate()
        while PublicAccess.objects.filter(handle=access.handle).exists():
            access.handle = handle_generate()
    access.save(force_insert=True)
    login = case.reference if audience == AccessAudience.ENQUIRER else access.handle
    if unlock:
        # The office vouches for the new code; after commit, so a rolled-back reissue lifts no lock.
        transaction.on_commit(lambda: access_unlock_reference(audience, login))
    record_event(event_type="public.access_issued", actor=acting_user, office=case.office, case_id=case.pk,
                 person_ids=[person.pk], data={"access_id": str(access.pk), "audience": audience,
                                               "channel": channel, "revoked": revoked})
    return IssuedAccess(access=access, code=code, login=login)


@transaction.atomic
def enquirer_access_issue(*, acting_user: Any, case_id: Any, channel: str) -> IssuedAccess:
    """Give the enquirer a (new) access code for the status page; any previous one stops working.

    Email sends it through the outbox; for a text message or a letter the caller shows the
    code once (IssuedAccess.code) and it is never stored in plaintext.
    """
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    if case.state in _NOT_YET:
        raise InvalidTransition(_("The status page opens once the request has been accepted or declined."))
    enquirer = enquirer_of(case)
    if enquirer is None:
        raise ValidationFailed(_("This case has no enquirer whose data is still held."))
    issued = _issue(case=case, person=enquirer, audience=AccessAudience.ENQUIRER, channel=channel,
                    acting_user=acting_user)
    if channel == AccessChannel.EMAIL:
        email_person(key=f"public:code:{issued.access.pk}", kind="enquirer.access_code", case=case, person=enquirer,
                     template="enquirer_code", context={"code": issued.code_display, "stage": None})
    touch(case)
    return issued


def enquirer_access_issue_on_accept(*, case: Case, acting_user: Any) -> IssuedAccess | None:
    """Called by the accept notification inside case_transition (which checked the user and
    holds the case lock): a first code for an enquirer with an email address, else nothing."""
    enquirer = enquirer_of(case)
    if enquirer is None or not enquirer.email:
        return None
    if PublicAccess.objects.filter(person=enquirer, audience=AccessAudience.ENQUIRER,
                                   revoked_at__isnull=True).exists():
        return None
    return _issue(case=case, person=enquirer, audience=AccessAudience.ENQUIRER, channel=AccessChannel.EMAIL,
                  acting_user=acting_user, unlock=False)


@transaction.atomic
def enquirer_access_revoke(*, acting_user: Any, case_id: Any) -> int:
    """Stop the enquirer's code(s) at once; open sessions end on their next request."""
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    count = _revoke(PublicAccess.objects.filter(case=case, audience=AccessAudience.ENQUIRER,
                                                revoked_at__isnull=True), timezone.now())
    if count:
        touch(case)
        record_event(event_type="public.access_revoked", actor=acting_user, office=case.office, case_id=case.pk,
                     data={"audience": AccessAudience.ENQUIRER, "count": count})
    return count


@transaction.atomic
def found_access_issue(*, acting_user: Any, case_id: Any, person_id: Any, channel: str) -> IssuedAccess:
    """Give a located person a link and code to answer the consent request online."""
    case = access_case(acting_user, case_id, action="consent.record", for_update=True)
    if case.state not in FOUND_STATES:
        raise InvalidTransition(_("Mark the person as located before asking for consent online."))
    person = case.persons.select_related("data_key").filter(pk=person_id, role=PersonRole.SOUGHT,
                                                            erased_at__isnull=True).first()
    if person is None:
        raise ValidationFailed(_("Consent is given by a sought person of this case."))
    issued = _issue(case=case, person=person, audience=AccessAudience.FOUND, channel=channel,
                    acting_user=acting_user)
    if channel == AccessChannel.EMAIL:
        email_person(key=f"public:code:{issued.access.pk}", kind="found.access_code", case=case, person=person,
                     template="found_code", context={"code": issued.code_display, "handle": issued.login})
    touch(case)
    return issued


@transaction.atomic
def found_access_revoke(*, acting_user: Any, case_id: Any, person_id: Any) -> int:
    case = access_case(acting_user, case_id, action="consent.record", for_update=True)
    count = _revoke(PublicAccess.objects.filter(case=case, person_id=person_id, audience=AccessAudience.FOUND,
                                                revoked_at__isnull=True), timezone.now())
    if count:
        touch(case)
        record_event(event_type="public.access_revoked", actor=acting_user, office=case.office, case_id=case.pk,
                     person_ids=[person_id], data={"audience": AccessAudience.FOUND, "count": count})
    return count


# --- public: the enquirer ----------------------------------------------------------------------


def _fresh(access: PublicAccess, audience: str) -> tuple[PublicAccess, Case]:
    """Re-check the access under the case lock: a code revoked a moment ago no longer writes."""
    case = _lock_case(access.case_id)
    current = PublicAccess.objects.select_related("person", "person__data_key").filter(
        pk=access.pk, audience=audience, revoked_at__isnull=True).first()
    if current is None or current.person.erased_at:
        raise NotPermitted(_("Please sign in again."))
    return current, case


def _text(value: Any, field: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Please fill in this field."), field_errors={field: [_("Required.")]})
    if len(text) > conf("PUBLIC_TEXT_MAX_CHARS"):
        raise ValidationFailed(_("This text is too long."), field_errors={field: [_("Too long.")]})
    return text


@transaction.atomic
def public_language_set(*, access: PublicAccess, language: str) -> str:
    """Remember the language the person reads the pages in; their emails follow it."""
    current, _case = _fresh(access, access.audience)
    language = supported_language(language)
    if current.language != language:
        current.language = language
        current.save(update_fields=["language"])
    return language


@transaction.atomic
def enquirer_submission_create(*, access: PublicAccess, kind: str, data: dict[str, Any],
                               photo: bytes | None = None) -> EnquirerSubmission:
    """Record what the enquirer sent for a caseworker's review. Nothing in the case changes."""
    current, case = _fresh(access, AccessAudience.ENQUIRER)
    if case.state == State.CLOSED:
        raise InvalidTransition(_("This request is closed. Please contact us directly."))
    if kind == SubmissionKind.CONTACT:
        payload = {k: _text(data.get(k), k) for k in ("email", "phone", "address")}
        if not any(payload.values()):
            raise ValidationFailed(_("Give at least one new contact detail."), field_errors={"email": [_("Required.")]})
    elif kind == SubmissionKind.SOUGHT_INFO:
        payload = {k: _text(data.get(k), k) for k in ("given_names", "family_name", "place", "when", "details")}
        if not any(payload.values()) and not photo:
            raise ValidationFailed(_("Write something or add a photo."), field_errors={"details": [_("Required.")]})
    else:
        raise ValidationFailed(_("Unknown kind of information."))
    submission = EnquirerSubmission(case=case, person=current.person, access=current,
                                    data_key=current.person.data_key, kind=kind, payload=payload)
    if photo:
        if kind != SubmissionKind.SOUGHT_INFO:
            raise ValidationFailed(_("A photo goes with information about the person you are looking for."))
        if len(photo) > conf("PUBLIC_PHOTO_MAX_BYTES"):
            raise ValidationFailed(_("The photo is too large."), field_errors={"photo": [_("Too large.")]})
        content_type = sniff_type(photo[:16])
        if content_type not in ("image/jpeg", "image/png"):
            raise ValidationFailed(_("Send a JPEG or PNG photo."), field_errors={"photo": [_("Unsupported type.")]})
        submission.photo = base64.b64encode(photo).decode("ascii")
        submission.photo_type = content_type
    submission.save(force_insert=True)
    touch(case)
    record_event(event_type="enquirer.submission_created", actor=None, office=case.office, case_id=case.pk,
                 person_ids=[current.person_id], data={"submission_id": str(submission.pk), "kind": kind,
                                                      "fields": sorted(k for k, v in payload.items() if v),
                                                      "photo": bool(photo)})
    email_office(key=f"public:submission:{submission.pk}", kind="office.enquirer_submission", case=case,
                 template="office_submission", context={})
    return submission


def _access_submission(acting_user: Any, submission_id: Any) -> tuple[Case, EnquirerSubmission]:
    case_id = EnquirerSubmission.objects.filter(pk=submission_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ValidationFailed(_("No such submission."))
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    submission = EnquirerSubmission.objects.select_for_update().select_related("data_key").get(pk=submission_id)
    if submission.status != SubmissionStatus.PENDING:
        raise InvalidTransition(_("This submission was already reviewed."))
    return case, submission


def _name_dicts(person: Person) -> list[dict[str, Any]]:
    return [{"kind": n.kind, "script": n.script, "given_names": n.given_names, "family_name": n.family_name,
             "family_name_first": n.family_name_first} for n in person.names.select_related("data_key")]


def _place_dicts(person: Person) -> list[dict[str, Any]]:
    return [{"place": p.place, "country": p.country, "date": p.date} for p in person.places.select_related("data_key")]


@transaction.atomic
def enquirer_submission_accept(*, acting_user: Any, submission_id: Any, person_id: Any = None) -> EnquirerSubmission:
    """Apply a submission through the case actions: contact details to the enquirer; names,
    places and a photo added to the sought person (`person_id`, or the only one)."""
    case, submission = _access_submission(acting_user, submission_id)
    payload = submission.payload or {}
    applied: list[str] = []
    if submission.kind == SubmissionKind.CONTACT:
        changes = {k: v for k, v in payload.items() if v}
        person_update(acting_user=acting_user, person_id=submission.person_id, data=changes)
        applied = sorted(changes)
    else:
        sought = case.persons.filter(role=PersonRole.SOUGHT, erased_at__isnull=True)
        person = sought.filter(pk=person_id).first() if person_id else (sought.first() if sought.count() == 1 else None)
        if person is None:
            raise ValidationFailed(_("Choose the sought person this information is about."),
                                   field_errors={"person_id": [_("Choose a person.")]})
        data: dict[str, Any] = {}
        if payload.get("given_names") or payload.get("family_name"):
            # Added next to the names the case has: an enquirer's addition never replaces them.
            data["names"] = [*_name_dicts(person), {"kind": NameKind.ALIAS, "given_names": payload.get("given_names"),
                                                     "family_name": payload.get("family_name")}]
        if payload.get("place"):
            data["places"] = [*_place_dicts(person), {"place": payload["place"]}]
        if payload.get("details") or payload.get("when"):
            addition = "\n".join(x for x in [payload.get("when", ""), payload.get("details", "")] if x)
            data["description"] = "\n\n".join(x for x in [person.description, addition] if x)
        if data:
            person_update(acting_user=acting_user, person_id=person.pk, data=data)
            applied += sorted(data)
        if submission.photo:
            attachment_add(acting_user=acting_user, case_id=case.pk, person_id=person.pk,
                           filename="enquirer-photo" + (".png" if submission.photo_type == "image/png" else ".jpg"),
                           content=base64.b64decode(submission.photo), description=_("Photo sent by the enquirer"))
            applied.append("photo")
    submission.status = SubmissionStatus.ACCEPTED
    submission.reviewed_by, submission.reviewed_at = acting_user, timezone.now()
    submission.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    touch(case)
    record_event(event_type="enquirer.submission_accepted", actor=acting_user, office=case.office, case_id=case.pk,
                 data={"submission_id": str(submission.pk), "applied": applied})
    return submission


@transaction.atomic
def enquirer_submission_dismiss(*, acting_user: Any, submission_id: Any) -> EnquirerSubmission:
    case, submission = _access_submission(acting_user, submission_id)
    submission.status = SubmissionStatus.DISMISSED
    submission.reviewed_by, submission.reviewed_at = acting_user, timezone.now()
    submission.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    touch(case)
    record_event(event_type="enquirer.submission_dismissed", actor=acting_user, office=case.office,
                 case_id=case.pk, data={"submission_id": str(submission.pk)})
    return submission


# --- relayed messages --------------------------------------------------------------------------


def _relay_create(*, case: Case, found: Person, author: Person, direction: str, body: str) -> RelayMessage:
    consent = active_consents(case).get(found.pk)
    if not allows(consent, DisclosureKind.MESSAGE):
        raise NotPermitted(_("Messages cannot be passed on in this case."))
    message = RelayMessage.objects.create(case=case, found_person=found, direction=direction,
                                          data_key=author.data_key, body=body)
    touch(case)
    record_event(event_type="relay.message_created", actor=None, office=case.office, case_id=case.pk,
                 person_ids=[author.pk], data={"message_id": str(message.pk), "direction": direction,
                                              "consent_id": consent.pk})
    email_office(key=f"public:relay:{message.pk}", kind="office.relay_message", case=case,
                 template="office_relay", context={})
    return message


@transaction.atomic
def relay_message_send(*, access: PublicAccess, body: str, found_person_id: Any = None) -> RelayMessage:
    """A message from the enquirer (to a found person) or from a found person (to the enquirer).

    It waits for a caseworker's review; refused unless the found person's consent allows messages.
    """
    current, case = _fresh(access, access.audience)
    body = _text(body, "body", required=True)
    if current.audience == AccessAudience.ENQUIRER:
        found = case.persons.filter(role=PersonRole.SOUGHT, erased_at__isnull=True, pk=found_person_id).first()
        if found is None:
            raise NotPermitted(_("Messages cannot be passed on in this case."))
        return _relay_create(case=case, found=found, author=current.person, direction=RelayDirection.TO_FOUND,
                             body=body)
    return _relay_create(case=case, found=current.person, author=current.person,
                         direction=RelayDirection.TO_ENQUIRER, body=body)


@transaction.atomic
def relay_message_review(*, acting_user: Any, message_id: Any, approve: bool) -> RelayMessage:
    """Pass a message on, or not. Approval needs the found person's consent at that moment;
    a message to the enquirer is also recorded as a disclosure under that consent."""
    case_id = RelayMessage.objects.filter(pk=message_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ValidationFailed(_("No such message."))
    case = access_case(acting_user, case_id, action="contact.disclose", for_update=True)
    message = RelayMessage.objects.select_for_update().select_related("data_key").get(pk=message_id)
    if message.status != RelayStatus.PENDING_REVIEW:
        raise InvalidTransition(_("This message was already reviewed."))
    if approve:
        if not allows(active_consents(case).get(message.found_person_id), DisclosureKind.MESSAGE):
            # The consent changed since the message was written: the reviewer sees why and can reject it.
            raise InvalidTransition(_("The found person's consent does not allow passing on messages."))
        if message.direction == RelayDirection.TO_ENQUIRER:
            contact_disclose(acting_user=acting_user, case_id=case.pk, person_id=message.found_person_id,
                             kind=DisclosureKind.MESSAGE, content=message.body)
    message.status = RelayStatus.APPROVED if approve else RelayStatus.REJECTED
    message.reviewed_by, message.reviewed_at = acting_user, timezone.now()
    message.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    touch(case)
    record_event(event_type="relay.message_reviewed", actor=acting_user, office=case.office, case_id=case.pk,
                 data={"message_id": str(message.pk), "approved": approve, "direction": message.direction})
    if approve:
        # The email only says there is a message: the text is read on the page, after sign-in.
        recipient = (enquirer_of(case) if message.direction == RelayDirection.TO_ENQUIRER
                     else case.persons.select_related("data_key").get(pk=message.found_person_id))
        if recipient is not None:
            email_person(key=f"public:relay-approved:{message.pk}", kind="public.relay_message", case=case,
                         person=recipient, template="relay_waiting",
                         context={"found": message.direction == RelayDirection.TO_FOUND})
    return message


@transaction.atomic
def relay_messages_deliver(*, access: PublicAccess) -> int:
    """Mark approved messages to this person as delivered: they are on the page being shown."""
    current, case = _fresh(access, access.audience)
    if current.audience == AccessAudience.ENQUIRER:
        qs = RelayMessage.objects.filter(case=case, direction=RelayDirection.TO_ENQUIRER)
    else:
        qs = RelayMessage.objects.filter(case=case, found_person=current.person, direction=RelayDirection.TO_FOUND)
    ids = list(qs.filter(status=RelayStatus.APPROVED).values_list("pk", flat=True))
    if ids:
        RelayMessage.objects.filter(pk__in=ids).update(status=RelayStatus.DELIVERED, delivered_at=timezone.now())
        record_event(event_type="relay.message_delivered", actor=None, office=case.office, case_id=case.pk,
                     person_ids=[current.person_id], data={"message_ids": [str(i) for i in ids]})
    return len(ids)


# --- public: the found person's consent --------------------------------------------------------


@transaction.atomic
def consent_record_online(*, access: PublicAccess, scope: str, message: str = "") -> Consent:
    """The found person's own decision, given on the consent page (source: online).

    It replaces their previous decision, as consent_record does. A message to the enquirer is
    kept for review only if the chosen scope allows messages.
    """
    current, case = _fresh(access, AccessAudience.FOUND)
    if scope not in ConsentScope.values:
        raise ValidationFailed(_("Choose one answer."), field_errors={"scope": [_("Choose one answer.")]})
    if case.state == State.CLOSED:
        raise InvalidTransition(_("This request is closed. Please contact us directly."))
    message = _text(message, "message")
    now = timezone.now()
    for old in Consent.objects.select_for_update().filter(case=case, person=current.person, withdrawn_at__isnull=True):
        old.withdrawn_at = now
        old.save(update_fields=["withdrawn_at"])
    consent = Consent.objects.create(case=case, person=current.person, scope=scope, source=ConsentSource.ONLINE,
                                     given_on=timezone.localdate(), recorded_by=None)
    if current.answered_at is None:
        current.answered_at = now
        current.save(update_fields=["answered_at"])
    touch(case)
    record_event(event_type="consent.recorded", actor=None, office=case.office, case_id=case.pk,
                 person_ids=[current.person_id], data={"consent_id": consent.pk, "scope": scope,
                                                      "source": ConsentSource.ONLINE,
                                                      "access_id": str(current.pk)})
    email_office(key=f"public:consent:{consent.pk}", kind="office.consent_online", case=case,
                 template="office_consent", context={"scope": scope, "withdrawn": False})
    if message and allows(consent, DisclosureKind.MESSAGE):
        _relay_create(case=case, found=current.person, author=current.person,
                      direction=RelayDirection.TO_ENQUIRER, body=message)
    return consent


@transaction.atomic
def consent_withdraw_online(*, access: PublicAccess) -> int:
    """The found person withdraws: every further disclosure stops at once."""
    current, case = _fresh(access, AccessAudience.FOUND)
    now = timezone.now()
    ids = []
    for consent in Consent.objects.select_for_update().filter(case=case, person=current.person,
                                                              withdrawn_at__isnull=True):
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        ids.append(consent.pk)
    if ids:
        touch(case)
        for consent_id in ids:
            record_event(event_type="consent.withdrawn", actor=None, office=case.office, case_id=case.pk,
                         person_ids=[current.person_id], data={"consent_id": consent_id,
                                                              "source": ConsentSource.ONLINE})
        email_office(key=f"public:consent-withdrawn:{ids[0]}", kind="office.consent_online", case=case,
                     template="office_consent", context={"scope": "", "withdrawn": True})
    return len(ids)
