"""Retention: which closed cases are due, the dry run, erasure by crypto-shredding, idempotence, beat."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.verify import verify_chain
from cases.models import Case, Note, Person, PersonMatchRecord
from privacy.actions import legal_hold_set, retention_apply, retention_dry_run, retention_plan
from privacy.models import RetentionRun
from privacy.tasks import retention_nightly
from tests.crypto.test_erasure import rows_under
from tracing.celery import app
from tracing.crypto.fields import Sealed
from tracing.exceptions import DecryptionFailed
from tracing.models import DataKey, OutboxMessage

pytestmark = pytest.mark.django_db


def backdate_reports(days: int = 1) -> None:
    for run in RetentionRun.objects.filter(dry_run=True):
        run.started_at -= dt.timedelta(days=days)
        run.save(update_fields=["started_at"])


@pytest.fixture
def world(personas: Any, rules: Any, make_case: Callable[..., Case]) -> dict[str, Case]:
    cases = {
        "reunited_3y": make_case(years_ago=3),  # due: reunited rule, 2 years
        "reunited_1y": make_case(years_ago=1),  # too recent
        "not_found_6y": make_case(years_ago=6, reason="not_found"),  # due: "any" rule, 5 years
        "not_found_4y": make_case(years_ago=4, reason="not_found"),  # too recent for "any"
        "open": make_case(),  # never closed
        "held": make_case(years_ago=3),  # on legal hold
        "other_office": make_case(years_ago=10, office="FR"),  # FR has no rule: kept
    }
    legal_hold_set(acting_user=personas.supervisor, case_id=cases["held"].pk, reason="litigation")
    return cases


def test_plan_picks_exactly_the_due_cases(world: dict[str, Case]) -> None:
    due = {d.case_id for d in retention_plan()}
    assert due == {str(world["reunited_3y"].pk), str(world["not_found_6y"].pk)}


def test_a_case_just_past_its_period_is_due_and_one_day_short_is_not(personas: Any, rules: Any,
                                                                      make_case: Callable[..., Case]) -> None:
    case = make_case(years_ago=2)
    closed = Case.objects.get(pk=case.pk).closed_at
    anniversary = closed.replace(year=closed.year + 2)
    assert [d.case_id for d in retention_plan(now=anniversary)] == [str(case.pk)]
    assert retention_plan(now=anniversary - dt.timedelta(days=1)) == []


def test_dry_run_records_ids_notifies_and_changes_nothing(personas: Any, world: dict[str, Case]) -> None:
    keys_before = dict(DataKey.objects.values_list("id", "wrapped"))
    run = retention_dry_run()
    assert run.dry_run and run.due == 2
    assert set(run.case_ids) == {str(world["reunited_3y"].pk), str(world["not_found_6y"].pk)}
    after = dict(DataKey.objects.values_list("id", "wrapped"))
    assert {k: after[k] for k in keys_before} == keys_before  # (plus the notice's own new key)
    assert not Person.objects.filter(erased_at__isnull=False).exists()
    assert AuditEvent.objects.get(event_type="retention.dry_run").data == {"run": run.pk, "due": 2}
    notices = OutboxMessage.objects.filter(kind="privacy.retention_report")
    assert {m.to_user_id for m in notices} == {personas.supervisor.pk, personas.admin.pk}
    assert "2 closed cases" in notices[0].subject and "Mohammed" not in notices[0].body


def test_apply_needs_an_earlier_dry_run(world: dict[str, Case]) -> None:
    retention_dry_run()  # today: not yet old enough
    run = retention_apply()
    assert run.erased_cases == 0 and run.due == 0
    assert not DataKey.objects.filter(destroyed_at__isnull=False).exists()


def test_apply_shreds_the_listed_cases_and_their_persons(personas: Any, world: dict[str, Case],
                                                          client: Any) -> None:
    retention_dry_run()
    backdate_reports()
    target = Case.objects.get(pk=world["reunited_3y"].pk)
    persons = list(target.persons.all())
    person_rows = [row for p in persons for row in rows_under(p.data_key_id)]
    case_rows = rows_under(target.data_key_id)
    assert {type(o)._meta.label for o, _n in case_rows} >= {"cases.Case", "cases.HistoricalCase", "cases.Note"}

    run = retention_apply()

    assert (run.erased_cases, run.erased_persons, run.skipped) == (2, 4, 0)
    assert set(run.case_ids) == {str(world["reunited_3y"].pk), str(world["not_found_6y"].pk)}
    destroyed = set(DataKey.objects.filter(wrapped__isnull=True).values_list("id", flat=True))
    assert {target.data_key_id, *(p.data_key_id for p in persons)} <= destroyed
    # Every value that was sealed under the shredded keys, live or history, is unreadable now.
    assert any(isinstance(obj, PersonMatchRecord) for obj, _n in person_rows)
    for obj, names in person_rows + case_rows:
        if isinstance(obj, PersonMatchRecord):
            # Derived data (what matching compares) is deleted, not only unreadable.
            assert not PersonMatchRecord.objects.filter(pk=obj.pk).exists()
            continue
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        for name in names:
            if isinstance(fresh.__dict__.get(name), Sealed):
                with pytest.raises(DecryptionFailed):
                    getattr(fresh, name)
    # The live rows under the case key were emptied, so pages keep working on the erased case.
    assert Case.objects.get(pk=target.pk).separation_place == ""
    assert Case.objects.get(pk=target.pk).version > target.version  # stale forms conflict
    assert Note.objects.get(case=target).body == ""
    assert all(p.erased_at for p in Person.objects.filter(case=target))
    # Other cases are untouched.
    kept = Case.objects.get(pk=world["reunited_1y"].pk)
    assert kept.separation_place == "Kismayo" and kept.data_key.wrapped is not None
    held = Case.objects.get(pk=world["held"].pk)
    assert held.data_key.wrapped is not None

    per_case = AuditEvent.objects.filter(event_type="retention.case_erased")
    assert {e.case_id for e in per_case} == set(run.case_ids) and all(e.actor_id is None for e in per_case)
    erased = AuditEvent.objects.filter(event_type="person.erased")
    assert erased.count() == 4 and {e.data["reason"] for e in erased} == {"retention"}
    summary = AuditEvent.objects.get(event_type="retention.applied")
    assert summary.data == {"run": run.pk, "cases": 2, "persons": 4, "skipped": 0}
    assert verify_chain().ok

    client.force_login(personas.supervisor)
    for url in (f"/cases/{target.pk}/", "/cases/", "/privacy/", f"/privacy/persons/{persons[0].pk}/"):
        assert client.get(url).status_code == 200, url
    assert target.reference in client.get("/privacy/").content.decode()  # listed among the erased


def test_re_running_is_idempotent(world: dict[str, Case]) -> None:
    retention_dry_run()
    backdate_reports()
    assert retention_apply().erased_cases == 2
    events = AuditEvent.objects.filter(event_type__in=["retention.case_erased", "person.erased"]).count()
    again = retention_apply()
    assert (again.erased_cases, again.due) == (0, 0)
    assert AuditEvent.objects.filter(event_type__in=["retention.case_erased", "person.erased"]).count() == events
    assert retention_plan() == []


def test_a_hold_set_after_the_report_stops_erasure(personas: Any, world: dict[str, Case]) -> None:
    retention_dry_run()
    backdate_reports()
    legal_hold_set(acting_user=personas.supervisor, case_id=world["reunited_3y"].pk, reason="authority")
    run = retention_apply()
    assert run.case_ids == [str(world["not_found_6y"].pk)]
    assert Case.objects.get(pk=world["reunited_3y"].pk).data_key.wrapped is not None


def test_the_nightly_task_is_scheduled_and_reports_before_erasing(world: dict[str, Case]) -> None:
    entry = app.conf.beat_schedule["privacy-retention-nightly"]
    assert entry["task"] == "privacy.tasks.retention_nightly"
    assert retention_nightly.acks_late
    # First night: report only. Next night: the reported cases go.
    assert retention_nightly.delay().get() == {"due": 2, "erased_cases": 0, "erased_persons": 0}
    backdate_reports()
    assert retention_nightly.delay().get() == {"due": 2, "erased_cases": 2, "erased_persons": 4}
    assert retention_nightly.delay().get() == {"due": 0, "erased_cases": 0, "erased_persons": 0}


def test_the_beat_entry_exists_in_a_fresh_process() -> None:
    # In-process the test imports privacy.tasks itself; a fresh process proves app start-up does.
    probe = ("import django; django.setup(); from tracing.celery import app; "
             "e = app.conf.beat_schedule['privacy-retention-nightly']; print(e['task'], e['schedule'].hour)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    result = subprocess.run(  # noqa: S603  # our own interpreter
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120,
        cwd=settings.BASE_DIR, check=False)
    assert result.returncode == 0, result.stderr
    assert "privacy.tasks.retention_nightly {3}" in result.stdout


def test_the_command_reports_and_applies(world: dict[str, Case]) -> None:
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "2 cases due" in out.getvalue() and str(world["reunited_3y"].pk) in out.getvalue()
    assert RetentionRun.objects.get().triggered_by == "command"
    out = io.StringIO()
    call_command("retention", "--apply", stdout=out)
    assert "0 cases and 0 persons erased" in out.getvalue()
    out = io.StringIO()
    call_command("retention", "--apply", "--grace-days", "0", stdout=out)
    assert "2 cases and 4 persons erased" in out.getvalue()
    assert timezone.now() - RetentionRun.objects.filter(dry_run=False).latest("started_at").started_at < \
        dt.timedelta(minutes=5)
