"""A found person's consent, and disclosures to the enquirer made under it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.access import access_case
from cases.actions.common import refuse_if_erased, touch
from cases.models import (
    Consent,
    ConsentScope,
    ConsentSource,
    Disclosure,
    DisclosureKind,
    PersonRole,
)
from tracing.exceptions import NotPermitted, ValidationFailed

#: Which disclosures each consent scope allows; nothing else is ever allowed.
ALLOWED_DISCLOSURES: dict[str, frozenset[str]] = {
    ConsentScope.SHARE_CONTACT: frozenset({DisclosureKind.CONTACT, DisclosureKind.ALIVE, DisclosureKind.MESSAGE}),
    ConsentScope.RELAY_MESSAGES: frozenset({DisclosureKind.ALIVE, DisclosureKind.MESSAGE}),
    ConsentScope.ALIVE_ONLY: frozenset({DisclosureKind.ALIVE}),
    ConsentScope.NO_CONTACT: frozenset(),
}


@transaction.atomic
def consent_record(*, acting_user: Any, case_id: Any, person_id: Any, scope: str, source: str,
                   given_on: date | None = None) -> Consent:
    case = access_case(acting_user, case_id, action="consent.record", for_update=True)
    refuse_if_erased(case)
    person = case.persons.filter(pk=person_id, role=PersonRole.SOUGHT).first()
    if person is None:
        raise ValidationFailed(_("Consent is given by a sought person of this case."))
    errors = {}
    if scope not in ConsentScope.values:
        errors["scope"] = [_("Choose a scope.")]
    if source not in ConsentSource.values:
        errors["source"] = [_("Choose how consent was given.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), field_errors=errors)
    now = timezone.now()
    # A new decision replaces the previous one.
    for old in Consent.objects.filter(case=case, person=person, withdrawn_at__isnull=True):
        old.withdrawn_at = now
        old.save(update_fields=["withdrawn_at"])
    consent = Consent.objects.create(case=case, person=person, scope=scope, source=source,
                                     given_on=given_on or now.date(), recorded_by=acting_user)
    touch(case)
    record_event(event_type="consent.recorded", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[person.id], data={"consent_id": consent.pk, "scope": scope, "source": source})
    return consent


@transaction.atomic
def consent_withdraw(*, acting_user: Any, case_id: Any, consent_id: int) -> Consent:
    """Withdrawal stops every further disclosure at once."""
    case = access_case(acting_user, case_id, action="consent.record", for_update=True)
    refuse_if_erased(case)
    consent = Consent.objects.select_for_update().filter(case=case, pk=consent_id).first()
    if consent is None:
        raise ValidationFailed(_("No such consent on this case."))
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        touch(case)
        record_event(event_type="consent.withdrawn", actor=acting_user, office=case.office, case_id=case.id,
                     person_ids=[consent.person_id], data={"consent_id": consent.pk})
    return consent


@transaction.atomic
def contact_disclose(*, acting_user: Any, case_id: Any, person_id: Any, kind: str, content: str) -> Disclosure:
    """Tell the enquirer something about a found person, if and only if consent allows it."""
    case = access_case(acting_user, case_id, action="contact.disclose", for_update=True)
    refuse_if_erased(case)
    consent = (
        Consent.objects.select_for_update()
        .filter(case=case, person_id=person_id, withdrawn_at__isnull=True)
        .order_by("-recorded_at").first()
    )
    if consent is None or kind not in ALLOWED_DISCLOSURES[consent.scope]:
        raise NotPermitted(_("The found person's consent does not allow this disclosure."))
    if not content.strip():
        raise ValidationFailed(_("Record exactly what was told."), field_errors={"content": [_("Required.")]})
    disclosure = Disclosure.objects.create(
        case=case, person_id=person_id, consent=consent, data_key=consent.person.data_key, kind=kind,
        content=content.strip(), disclosed_by=acting_user,
    )
    touch(case)
    record_event(event_type="contact.disclosed", actor=acting_user, office=case.office, case_id=case.id,
                 person_ids=[person_id], data={"kind": kind, "consent_id": consent.pk,
                                               "disclosure_id": str(disclosure.id)})
    return disclosure
