"""The database connection drops in the middle of a case-creating request.

Another connection terminates the request's PostgreSQL backend (`pg_terminate_backend`) after
the case row and the enquirer were inserted, before the sought person. The user gets a clear
503 (JSON for the API, the 503 page for the web form), and nothing of the case is left: the
transaction died with the connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.test import Client

from audit.models import AuditEvent
from cases.actions import case as case_actions
from cases.models import Case, Person, PersonName
from tests.factories import sample_case_data
from tests.hardening.conftest import require_postgresql
from tests.web.test_case_new import intake
from tracing.models import DataKey

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _terminate(pid: int) -> None:
    db = connection.settings_dict
    with psycopg.connect(host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER"),
                         password=db.get("PASSWORD") or None, dbname=db["NAME"], autocommit=True) as admin:
        row = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
    assert row == (True,)


@pytest.fixture
def drop_after_first_person(purge_audit: None) -> Iterator[dict[str, int]]:
    """Kill the request's connection after the first person of a new case is written."""
    require_postgresql()
    original = case_actions.person_create
    state = {"persons_written": 0, "killed_pid": 0}

    def person_create_then_drop(*args: Any, **kwargs: Any) -> Any:
        person = original(*args, **kwargs)
        state["persons_written"] += 1
        if state["persons_written"] == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                state["killed_pid"] = cursor.fetchone()[0]
            _terminate(state["killed_pid"])
        return person

    with mock.patch.object(case_actions, "person_create", person_create_then_drop):
        yield state
    connection.close()  # the test's handle on the killed backend


def _nothing_written() -> None:
    connection.close()
    assert Case.objects.count() == 0
    assert Person.objects.count() == 0 and PersonName.objects.count() == 0
    assert not DataKey.objects.filter(purpose="case").exists()
    assert not AuditEvent.objects.filter(event_type="case.opened").exists()


def test_api_request_gets_503_and_no_half_written_case(personas: Any, drop_after_first_person: dict) -> None:
    client = Client()
    client.force_login(personas.caseworker)
    response = client.post("/api/v1/cases/", sample_case_data(), content_type="application/json")
    assert drop_after_first_person["killed_pid"] and drop_after_first_person["persons_written"] == 1
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable. Try again shortly."}
    _nothing_written()


def test_web_form_gets_the_503_page_and_no_half_written_case(personas: Any, drop_after_first_person: dict) -> None:
    client = Client()
    client.force_login(personas.caseworker)
    response = client.post("/cases/new/", intake())
    assert drop_after_first_person["killed_pid"] and drop_after_first_person["persons_written"] == 1
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    _nothing_written()

    # The service recovers on the next request with a fresh connection.
    client.force_login(personas.caseworker)
    assert client.get("/cases/").status_code == 200
