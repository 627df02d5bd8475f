"""seed_demo (demo offices, logins, a case in every state) and the bulk action behind `--cases`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from audit.models import AuditEvent
from audit.verify import verify_chain
from cases.actions import case_open
from cases.actions.bulk import cases_bulk_create
from cases.indexing import person_index_terms
from cases.models import Case, Note, Person, PersonName, PersonRole, PersonSearchTerm
from cases.selectors import person_search
from cases.workflow import State
from tests.factories import sample_case_data
from tracing.exceptions import NotPermitted, ValidationFailed
from tracing.management.commands.seed_demo import DEMO_PASSWORD, OFFICES, synthetic_items
from tracing.models import Office, Role, StaffProfile
from tracing.permissions import visible

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "offices": Office.objects.count(), "users": get_user_model().objects.count(), "cases": Case.objects.count(),
        "persons": Person.objects.count(), "notes": Note.objects.count(), "events": AuditEvent.objects.count(),
    }


def test_seed_demo_builds_the_demo_once(client: Client) -> None:
    output = seed()
    counts = _counts()
    assert counts["offices"] == len(OFFICES) >= 3
    assert {o.country for o in Office.objects.all()} >= {"NL", "KE", "JO", "UA"}
    # One login per role per office, plus the network-wide auditor.
    profiles = StaffProfile.objects.select_related("user", "office")
    assert profiles.count() == 4 * len(OFFICES) + 1
    for office in Office.objects.all():
        roles = sorted(p.role for p in profiles if p.office_id == office.pk and not p.network_wide)
        assert roles == sorted(Role.values)
    network = profiles.get(user__username="network-auditor")
    assert network.role == Role.AUDITOR and network.network_wide
    # Every workflow state, in every office, reached through the actions.
    for office in Office.objects.all():
        assert set(Case.objects.filter(office=office).values_list("state", flat=True)) == set(State.values)
    transitions = AuditEvent.objects.filter(event_type="case.transition").count()
    assert transitions >= len(OFFICES) * 40
    closed = Case.objects.get(office__code="NL", state=State.CLOSED)
    assert closed.disclosures.filter(kind="contact").exists() and closed.consents.filter(scope="share_contact").exists()
    # Names in Latin, Arabic, Cyrillic and Ge'ez script, readable (decrypted) again.
    assert set(PersonName.objects.values_list("script", flat=True)) >= {"Latn", "Arab", "Cyrl", "Ethi"}
    ethi = PersonName.objects.filter(script="Ethi").first()
    assert any("\u1200" <= ch <= "\u137f" for ch in ethi.full)
    # A share with a partner office: its caseworker sees that case and no other of NL's.
    ke_caseworker = get_user_model().objects.get(username="ke-caseworker")
    shared = visible(ke_caseworker, Case).filter(office__code="NL")
    assert [c.state for c in shared] == [State.SEARCHING]
    assert Note.objects.filter(visibility="internal").exists() and Note.objects.filter(visibility="shareable").exists()
    assert verify_chain().ok
    # The printed logins work with the printed password.
    assert f"password: {DEMO_PASSWORD}" in output
    for username in ("nl-caseworker", "ke-supervisor", "jo-office-admin", "ua-auditor", "network-auditor"):
        assert username in output
    assert "Two-factor authentication is relaxed" in output
    response = client.post("/accounts/login/", {"username": "jo-caseworker", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.wsgi_request.user.username == "jo-caseworker"

    again = seed()
    # The login above added one audit event; the second run adds no case, user or event.
    assert _counts() == {**counts, "events": counts["events"] + 1}
    assert "demo cases already present" in again and f"password: {DEMO_PASSWORD}" in again


def test_seed_demo_refuses_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        seed()
    assert Office.objects.count() == 0


def test_seed_cases_adds_synthetic_cases_in_batches() -> None:
    output = seed("--cases", "7", "--batch-size", "3", "--office", "KE")
    assert Case.objects.filter(office__code="KE").count() == 7
    assert not Case.objects.exclude(office__code="KE").exists()  # no demo cases with --cases
    events = AuditEvent.objects.filter(event_type="case.bulk_created").order_by("seq")
    assert [e.data["count"] for e in events] == [3, 3, 1]
    assert "7 synthetic cases in KE" in output


@pytest.fixture
def bulk_result(personas: Any) -> Any:
    return cases_bulk_create(acting_user=personas.caseworker, items=list(synthetic_items(12, seed=5)), batch_size=5,
                             keep_ids=True)


def test_bulk_cases_are_like_opened_cases(personas: Any, bulk_result: Any) -> None:
    assert bulk_result.count == 12 and bulk_result.batches == 3 and len(bulk_result.case_ids) == 12
    cases = list(Case.objects.filter(pk__in=bulk_result.case_ids).order_by("reference"))
    assert [c.reference for c in cases] == [f"NL-{cases[0].created_at.year}-{n:05d}" for n in range(1, 13)]
    assert all(c.state == State.RECEIVED and c.assigned_to_id == personas.caseworker.pk for c in cases)
    assert len({c.data_key_id for c in cases}) == 12
    items = list(synthetic_items(12, seed=5))
    for case, item in zip(cases, items, strict=True):
        sought = case.persons.get(role=PersonRole.SOUGHT)
        expected = item["sought"][0]["names"][0]
        assert sought.display_name == f"{expected['given_names']} {expected['family_name']}"
        assert case.separation_circumstances == item["separation_circumstances"]
        assert sought.data_key_id != case.data_key_id
        # The blind-index terms are exactly those the single-case path computes.
        stored = set(PersonSearchTerm.objects.filter(person=sought).values_list("index", "term", "key_version"))
        assert stored == {(t.index, t.term, t.key_version) for t in person_index_terms(sought)}
        assert stored and all(len(t) <= 16 for _i, t, _v in stored)
    # The next case opened one by one continues the office's reference numbers.
    single = case_open(acting_user=personas.caseworker, **sample_case_data())
    assert single.reference.endswith("-00013")


def test_bulk_cases_have_history_with_the_live_ciphertext(bulk_result: Any) -> None:
    case = Case.objects.get(pk=bulk_result.case_ids[0])
    person = case.persons.get(role=PersonRole.SOUGHT)
    case_history = case.history.get()
    assert case_history.history_type == "+" and case_history.reference == case.reference
    with connection.cursor() as cursor:
        cursor.execute("SELECT display_name FROM cases_person WHERE id = %s", [_db_id(person.pk)])
        live = cursor.fetchone()[0]
        cursor.execute("SELECT display_name FROM cases_historicalperson WHERE id = %s", [_db_id(person.pk)])
        historical = cursor.fetchone()[0]
    assert live.startswith("v1$") and live == historical
    assert person.history.get().display_name == person.display_name
    assert PersonName.history.filter(id__in=person.names.values("id")).count() == person.names.count() == 1


def _db_id(pk: Any) -> Any:
    return pk.hex if connection.vendor == "sqlite" else pk


def test_bulk_writes_one_audit_event_per_batch(personas: Any, bulk_result: Any) -> None:
    events = list(AuditEvent.objects.filter(event_type="case.bulk_created").order_by("seq"))
    assert [e.data["count"] for e in events] == [5, 5, 2]
    assert events[0].data["references"][0].endswith("-00001") and events[2].data["references"][1].endswith("-00012")
    assert all(e.actor_id == personas.caseworker.pk and e.office_id == personas.home.pk for e in events)
    assert verify_chain().ok


def test_bulk_cases_are_found_by_person_search(personas: Any, bulk_result: Any) -> None:
    case = Case.objects.get(pk=bulk_result.case_ids[3])
    sought = case.persons.get(role=PersonRole.SOUGHT)
    hits = person_search(user=personas.caseworker, query=sought.display_name)
    assert sought.pk in {h.person.pk for h in hits}
    assert person_search(user=personas.outsider, query=sought.display_name) == []


def test_bulk_refuses_roles_that_do_not_open_cases(personas: Any) -> None:
    for user in (personas.admin, personas.auditor, personas.nobody):
        with pytest.raises(NotPermitted):
            cases_bulk_create(acting_user=user, items=synthetic_items(1), batch_size=1)
    assert Case.objects.count() == 0


def test_a_bad_item_fails_its_whole_batch_only(personas: Any) -> None:
    items = list(synthetic_items(4, seed=1))
    items[3]["separation_cause"] = "invented"
    with pytest.raises(ValidationFailed):
        cases_bulk_create(acting_user=personas.caseworker, items=items, batch_size=2)
    assert Case.objects.count() == 2  # the first batch committed, the second left nothing
    assert Person.objects.count() == 4 and PersonSearchTerm.objects.filter(person__case__isnull=True).count() == 0
    assert AuditEvent.objects.filter(event_type="case.bulk_created").count() == 1
    items[3]["separation_cause"] = "conflict"
    del items[2]["sought"]
    with pytest.raises(ValidationFailed, match="sought"):
        cases_bulk_create(acting_user=personas.caseworker, items=items[2:], batch_size=2)
