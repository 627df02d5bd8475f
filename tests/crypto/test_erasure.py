"""Erasure by crypto-shredding: everything of the person unreadable, the rest of the case intact."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from audit.models import AuditEvent
from audit.verify import verify_chain
from cases.actions import person_erase
from cases.attachments import attachment_file_read, attachment_path
from cases.models import Person, PersonMatchRecord, PersonSearchTerm
from cases.selectors import case_detail, person_search
from tests.crypto.conftest import Keys, Populated, read_all
from tracing.crypto.fields import ENCRYPTED_MODELS, Sealed
from tracing.crypto.rotation import key_status
from tracing.exceptions import DecryptionFailed, NotFound, NotPermitted, ValidationFailed
from tracing.models import DataKey, OutboxMessage
from tracing.outbox import outbox_enqueue

pytestmark = pytest.mark.django_db


def rows_under(key_id: Any) -> list[tuple[Any, list[str]]]:
    """Every live and history row sealed under a data key, with its non-empty encrypted fields."""
    found = []
    for model, names in ENCRYPTED_MODELS.items():
        for obj in model._base_manager.filter(data_key_id=key_id):
            sealed = [n for n in names if isinstance(obj.__dict__.get(n), Sealed)]
            if sealed:
                found.append((obj, sealed))
    return found


def test_erasure_shreds_every_trace_of_the_person(keys: Keys, populated: Populated, personas: Any) -> None:
    sought = Person.objects.get(pk=populated.sought.pk)
    key_id = sought.data_key_id
    before_rows = rows_under(key_id)
    labels = {type(obj)._meta.label for obj, _n in before_rows}
    assert labels >= {"cases.Person", "cases.HistoricalPerson", "cases.PersonName", "cases.HistoricalPersonName",
                      "cases.PersonPlace", "cases.HistoricalPersonPlace", "cases.Disclosure",
                      "cases.HistoricalDisclosure", "cases.Attachment", "cases.HistoricalAttachment",
                      "cases.PersonMatchRecord"}
    file_backup = attachment_path(populated.attachment.id).read_text()
    others_before = {k: v for k, v in read_all().items()
                     if not any(str(obj.pk) == k[2] and type(obj)._meta.label == k[0] for obj, _n in before_rows)}
    assert PersonSearchTerm.objects.filter(person=sought).exists()

    person_erase(acting_user=personas.supervisor, person_id=sought.pk, reason="subject_request")

    # Every field of every row (live and history) under the person's key: DecryptionFailed.
    after_rows = rows_under(key_id)
    # Plus the history row of the erasure itself; the match record (derived data) is deleted.
    assert len(after_rows) == len(before_rows) + 1 - 1
    assert "cases.PersonMatchRecord" not in {type(obj)._meta.label for obj, _n in after_rows}
    assert not PersonMatchRecord.objects.filter(person=sought).exists()
    for obj, names in after_rows:
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        for name in names:
            with pytest.raises(DecryptionFailed):
                getattr(fresh, name)
    # The file is gone, and a copy restored from a backup cannot be opened either.
    assert not attachment_path(populated.attachment.id).exists()
    attachment_path(populated.attachment.id).write_text(file_backup)
    with pytest.raises(DecryptionFailed):
        attachment_file_read(populated.attachment.__class__.objects.get(pk=populated.attachment.pk))
    assert DataKey.objects.get(id=key_id).wrapped is None
    assert not PersonSearchTerm.objects.filter(person=sought).exists()
    assert person_search(user=personas.caseworker, query="Mohammed Abdi Hassan") == []

    # Everything else reads as before: the case, its note, the enquirer, the other case.
    assert {k: v for k, v in read_all_readable().items() if k in others_before} == others_before
    assert set(others_before) <= set(read_all_readable())
    detail = case_detail(user=personas.supervisor, case_id=populated.case.pk)
    assert detail.case.separation_place == "Kismayo"
    assert {p.display_name for p, _f in detail.persons if not p.erased_at} == {"Amina Yusuf"}
    assert [h.person.display_name for h in person_search(user=personas.caseworker, query="Amina Yusuf")] == [
        "Amina Yusuf"
    ]

    event = AuditEvent.objects.filter(event_type="person.erased").latest("seq")
    assert event.actor_id == personas.supervisor.pk and event.person_ids == [str(sought.pk)]
    assert event.data["reason"] == "subject_request" and event.data["files"] == 1
    assert verify_chain().ok
    call_command("verify_audit", stdout=io.StringIO())
    assert key_status()["data_keys"]["destroyed"] == 1


def read_all_readable() -> dict[tuple[str, str, str], Any]:
    """Like read_all, for the rows whose key still exists."""
    values: dict[tuple[str, str, str], Any] = {}
    for model, names in ENCRYPTED_MODELS.items():
        for obj in model._base_manager.filter(data_key__wrapped__isnull=False):
            for name in names:
                values[(model._meta.label, name, str(obj.pk))] = str(getattr(obj, name))
    return values


def test_case_page_still_renders_after_erasure(keys: Keys, populated: Populated, personas: Any, client: Any) -> None:
    person_erase(acting_user=personas.supervisor, person_id=populated.sought.pk, reason="risk")
    client.force_login(personas.caseworker)
    response = client.get(f"/cases/{populated.case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Amina Yusuf" in page and "Mohammed" not in page
    response = client.get("/cases/")
    assert response.status_code == 200


def test_erasure_blanks_messages_to_the_erased_address(keys: Keys, populated: Populated, personas: Any) -> None:
    enquirer = Person.objects.get(pk=populated.enquirer.pk)
    case = populated.case
    message = outbox_enqueue(key="t:1", kind="enquirer.stage", data_key=case.data_key, recipient=enquirer.email,
                             subject=f"Case {case.reference}", body="Dear Amina Yusuf, we are searching.",
                             case_id=case.id, hold=True)
    to_staff = outbox_enqueue(key="t:2", kind="case.transition", data_key=case.data_key,
                              to_user=personas.caseworker, subject="Case moved", body="Moved.", case_id=case.id,
                              hold=True)
    person_erase(acting_user=personas.supervisor, person_id=enquirer.pk, reason="subject_request")
    message = OutboxMessage.objects.get(pk=message.pk)
    assert (message.recipient, message.subject, message.body) == ("", "", "")
    assert message.status == OutboxMessage.Status.FAILED
    assert OutboxMessage.objects.get(pk=to_staff.pk).body == "Moved."
    assert AuditEvent.objects.filter(event_type="person.erased").latest("seq").data["messages"] == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("caseworker", NotPermitted), ("caseworker2", NotPermitted), ("admin", (NotPermitted, NotFound)),
        ("auditor", (NotPermitted, NotFound)), ("partner_supervisor", NotFound), ("outsider", NotFound),
        ("nobody", NotFound),
    ],
)
def test_only_a_supervisor_of_the_office_may_erase(
    keys: Keys, populated: Populated, personas: Any, who: str, error: Any
) -> None:
    with pytest.raises(error), transaction.atomic():
        person_erase(acting_user=getattr(personas, who), person_id=populated.sought.pk, reason="subject_request")
    assert Person.objects.get(pk=populated.sought.pk).erased_at is None
    assert DataKey.objects.get(id=populated.sought.data_key_id).wrapped is not None
    assert not AuditEvent.objects.filter(event_type="person.erased").exists()


def test_erasure_needs_a_reason(keys: Keys, populated: Populated, personas: Any) -> None:
    with pytest.raises(ValidationFailed), transaction.atomic():
        person_erase(acting_user=personas.supervisor, person_id=populated.sought.pk, reason="because")
    assert Person.objects.get(pk=populated.sought.pk).display_name == "Mohammed Abdi Hassan"


def test_erasing_twice_is_harmless(keys: Keys, populated: Populated, personas: Any) -> None:
    person_erase(acting_user=personas.supervisor, person_id=populated.sought.pk, reason="retention")
    person_erase(acting_user=personas.supervisor, person_id=populated.sought.pk, reason="retention")
    assert AuditEvent.objects.filter(event_type="person.erased").count() == 1
    assert verify_chain().ok
