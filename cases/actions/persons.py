"""Persons of a case: adding, editing, and erasure by crypto-shredding."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case, access_person
from cases.actions.common import check_version, refuse_if_erased, touch
from cases.indexing import person_reindex
from cases.models import Case, ErasureReason, NameKind, Person, PersonMatchRecord, PersonName, PersonPlace, PersonRole
from cases.partial_dates import PartialDate
from matching.hooks import schedule_person_matching
from matching.keys import normalise_phone
from tracing.crypto.datakeys import data_key_create, data_key_destroy
from tracing.exceptions import ValidationFailed

PERSON_FIELDS = (
    "relationship", "is_minor", "sex", "birth_date", "birth_place", "nationality", "father_name",
    "mother_name", "phone", "email", "address", "description", "languages",
)


def person_values_clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise and validate a person's plain values; raise with a message per field."""
    errors: dict[str, list[str]] = {}
    clean = {k: data[k] for k in PERSON_FIELDS if k in data}
    if isinstance(clean.get("birth_date"), str):
        try:
            clean["birth_date"] = PartialDate.parse(clean["birth_date"]) if clean["birth_date"].strip() else None
        except ValueError as exc:
            errors["birth_date"] = [str(exc)]
    if clean.get("phone"):
        e164 = normalise_phone(str(clean["phone"]))
        if e164 is None:
            errors["phone"] = [_("Enter a phone number with its country code, e.g. +31 6 1234 5678.")]
        clean["phone"] = e164 or ""
    names = data.get("names")
    if names is not None:
        if not any((n.get("given_names") or n.get("family_name") or "").strip() for n in names):
            errors["names"] = [_("Give at least one name.")]
        for n in names:
            if n.get("kind", NameKind.PRIMARY) not in NameKind.values:
                errors["names"] = [_("Unknown kind of name.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors=errors)
    return clean


def _write_names(person: Person, names: list[dict[str, Any]]) -> None:
    for old in person.names.all():
        old.delete()  # one by one: each deletion is kept in history
    for n in names:
        if not ((n.get("given_names") or "").strip() or (n.get("family_name") or "").strip()):
            continue
        PersonName.objects.create(
            person=person, data_key=person.data_key, kind=n.get("kind") or NameKind.PRIMARY,
            script=n.get("script", ""), given_names=(n.get("given_names") or "").strip(),
            family_name=(n.get("family_name") or "").strip(), family_name_first=bool(n.get("family_name_first")),
        )
    first = person.names.order_by("kind").first()
    primary = next((x for x in person.names.all() if x.kind == NameKind.PRIMARY), first)
    person.display_name = primary.full if primary else ""
    person.save(update_fields=["display_name"])


def _write_places(person: Person, places: list[dict[str, Any]]) -> None:
    for old in person.places.all():
        old.delete()
    for p in places:
        if (p.get("place") or "").strip():
            PersonPlace.objects.create(
                person=person, data_key=person.data_key, place=p["place"].strip(),
                country=p.get("country", ""), date=p.get("date") or None,
            )


def person_create(*, case: Case, role: str, data: dict[str, Any]) -> Person:
    """Create a person inside an action that already holds the case (not an entry point)."""
    clean = person_values_clean({**data, "names": data.get("names", [])})
    person = Person(case=case, role=role, data_key=data_key_create(purpose="person"), **clean)
    person.full_clean(exclude=["data_key", "case"])
    person.save(force_insert=True)
    _write_names(person, data.get("names", []))
    _write_places(person, data.get("places", []))
    person_reindex(person)
    schedule_person_matching(person.id)
    return person


@transaction.atomic
def person_add(*, acting_user: Any, case_id: Any, role: str, data: dict[str, Any],
               expected_version: int | None = None) -> Person:
    case = access_case(acting_user, case_id, action="case.edit", for_update=True)
    refuse_if_erased(case)
    check_version(case, expected_version)
    if role not in PersonRole.values:
        raise ValidationFailed(_("Unknown role."), field_errors={"role": [_("Choose a role.")]})
    person = person_create(case=case, role=role, data=data)
    touch(case)
    record_event(event_type="person.added", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[person.id], data={"role": role})
    return person


@transaction.atomic
def person_update(*, acting_user: Any, person_id: Any, data: dict[str, Any],
                  expected_version: int | None = None) -> Person:
    person = access_person(acting_user, person_id, action="case.edit", for_update=True)
    case = person.case
    check_version(case, expected_version)
    if person.erased_at:
        raise ValidationFailed(_("This person's data was erased."))
    clean = person_values_clean(data)
    changed = [k for k, v in clean.items() if getattr(person, k) != v]
    for k in changed:
        setattr(person, k, clean[k])
    if changed:
        person.full_clean(exclude=["data_key", "case"])
        person.save(update_fields=changed)
    if "names" in data:
        _write_names(person, data["names"])
        changed.append("names")
    if "places" in data:
        _write_places(person, data["places"])
        changed.append("places")
    if not changed:
        return person
    person_reindex(person)
    schedule_person_matching(person.id)
    touch(case)
    record_event(event_type="person.updated", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[person.id], data={"fields": sorted(changed)})
    return person


@transaction.atomic
def person_erase(*, acting_user: Any, person_id: Any, reason: str) -> Person:
    """Crypto-shred a person: destroy their data key after recording why and by whom.

    Their fields, names, places, attachments and every history row become unreadable; the
    case, other persons and the audit chain stay intact.
    """
    person = access_person(acting_user, person_id, action="person.erase", for_update=True)
    if person.erased_at:
        return person
    if reason not in ErasureReason.values:
        raise ValidationFailed(_("Choose the reason for erasure."), field_errors={"reason": [_("Choose a reason.")]})
    touch(person.case)
    person_shred(person, reason=reason, actor=acting_user)
    return person


def person_shred(person: Person, *, reason: str, actor: Any) -> None:
    """Shred a person the caller has locked and may erase: messages blanked, search terms,
    match record and files deleted, data key destroyed, `person.erased` recorded (actor None for retention).

    No access check here: `person_erase` checks the acting user, retention
    (`privacy.shredding`) is decided by the rule. Shared so both erasure paths forget the same.
    """
    blanked = _outbox_forget(person)
    person.erased_at = timezone.now()
    person.save(update_fields=["erased_at"])
    terms = person.search_terms.all().delete()[0]
    match_records = PersonMatchRecord.objects.filter(person=person).delete()[0]
    from cases.attachments import attachment_files_delete

    attachments = list(person.attachments.all())
    attachment_files_delete(attachments)
    data_key_destroy(person.data_key)
    record_event(event_type="person.erased", actor=actor, office=person.case.office,
                 case_id=person.case_id, person_ids=[person.id],
                 data={"reason": reason, "search_terms": terms, "match_records": match_records,
                       "files": len(attachments), "messages": blanked})


def _outbox_forget(person: Person) -> int:
    """Blank the case's messages addressed to the person's email.

    Messages are sealed under the case key (the caseworker must still read what was sent), so
    shredding the person's key does not reach them: their address and text are removed here,
    and a message not yet sent never will be.
    """
    email = person.email
    if not email:
        return 0
    from tracing.models import OutboxMessage

    blanked = 0
    for message in OutboxMessage.objects.select_for_update().select_related("data_key").filter(
        case_id=person.case_id
    ):
        if message.data_key.wrapped is None or message.recipient != email:
            continue
        message.recipient = message.subject = message.body = ""
        fields = ["recipient", "subject", "body"]
        if message.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.HELD):
            message.status, message.last_error = OutboxMessage.Status.FAILED, "recipient erased"
            fields += ["status", "last_error"]
        message.save(update_fields=fields)
        blanked += 1
    return blanked
