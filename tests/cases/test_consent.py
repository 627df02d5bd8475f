"""consent_record / consent_withdraw / contact_disclose: each scope allows exactly its disclosures."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from cases.actions import consent_record, consent_withdraw, contact_disclose
from cases.actions.consent import ALLOWED_DISCLOSURES
from cases.models import Case, ConsentScope, Disclosure, DisclosureKind
from tracing.exceptions import NotFound, NotPermitted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scope", ConsentScope.values)
@pytest.mark.parametrize("kind", DisclosureKind.values)
def test_each_scope_allows_exactly_its_disclosures(personas: Any, open_case: Case, scope: str, kind: str) -> None:
    sought = open_case.persons.get(role="sought")
    consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id, scope=scope,
                   source="in_person")
    allowed = kind in ALLOWED_DISCLOSURES[scope]
    if allowed:
        contact_disclose(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id, kind=kind,
                         content="Told the enquirer what the found person agreed to.")
        assert AuditEvent.objects.filter(event_type="contact.disclosed", case_id=str(open_case.id)).exists()
    else:
        with pytest.raises(NotPermitted):
            contact_disclose(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id, kind=kind,
                             content="Should not happen.")
    assert Disclosure.objects.filter(case=open_case).count() == (1 if allowed else 0)


def test_withdrawal_stops_disclosure_at_once(personas: Any, open_case: Case) -> None:
    sought = open_case.persons.get(role="sought")
    consent = consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                             scope="share_contact", source="phone")
    consent_withdraw(acting_user=personas.caseworker, case_id=open_case.id, consent_id=consent.pk)
    with pytest.raises(NotPermitted):
        contact_disclose(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id, kind="alive",
                         content="Alive and well.")
    assert AuditEvent.objects.filter(event_type="consent.withdrawn").count() == 1


def test_disclosure_content_is_encrypted_and_not_in_the_event(personas: Any, open_case: Case) -> None:
    sought = open_case.persons.get(role="sought")
    consent_record(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                   scope="share_contact", source="phone")
    d = contact_disclose(acting_user=personas.caseworker, case_id=open_case.id, person_id=sought.id,
                         kind="contact", content="Phone +254712000000")
    assert Disclosure.objects.get(pk=d.pk).content == "Phone +254712000000"
    event = AuditEvent.objects.get(event_type="contact.disclosed")
    assert "254712000000" not in str(event.data)


def test_access(personas: Any, open_case: Case) -> None:
    sought = open_case.persons.get(role="sought")
    with pytest.raises(NotFound):
        consent_record(acting_user=personas.outsider, case_id=open_case.id, person_id=sought.id,
                       scope="share_contact", source="phone")
    with pytest.raises(NotPermitted):
        consent_record(acting_user=personas.auditor, case_id=open_case.id, person_id=sought.id,
                       scope="share_contact", source="phone")
