"""Two simultaneous retries with the same Idempotency-Key create one request (PostgreSQL:
the unique index and the row lock make the second wait, then replay the first's response)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from cases.models import Case
from tests.audit.dbtools import purge_audit_tables
from tests.partners.conftest import REQUESTS, Signer
from tests.partners.test_submit import submission
from tracing.network.models import TracingRequest


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent requests need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_create_one_request(hmac_signer: Signer) -> None:
    clients = 4
    start = threading.Barrier(clients)
    results: list[Any] = []
    errors: list[BaseException] = []
    body = submission()

    def post() -> None:
        try:
            signer = Signer(key_id=hmac_signer.key_id, secret=hmac_signer.secret)
            start.wait()
            results.append(signer.post(REQUESTS, body, idempotency_key="concurrent-0001"))
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=post) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert [r.status_code for r in results] == [201] * clients
        assert all(r.json() == results[0].json() for r in results)
        assert sum(1 for r in results if r.has_header("Idempotent-Replayed")) == clients - 1
        assert TracingRequest.objects.count() == 1 and Case.objects.count() == 1
    finally:
        purge_audit_tables()
