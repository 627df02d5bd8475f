"""GET /healthz: the database, broker and key checks, and a 503 when one of them fails."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from tracing.celery import app
from tracing.crypto.keys import provider, reset_key_cache


@pytest.fixture
def fresh_keys() -> Iterator[None]:
    reset_key_cache()
    yield
    reset_key_cache()


@pytest.mark.django_db
def test_healthy_embedded_default_reports_each_check(client: Client, settings: Any, fresh_keys: None) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["database"]["vendor"] in ("sqlite", "postgresql")
    assert body["broker"]["ok"] is True and body["broker"]["mode"].startswith("eager")
    ring = provider().kek_ring()
    assert body["keys"]["ok"] is True
    assert body["keys"]["kek_current"] == ring.current and body["keys"]["kek_ids"] == sorted(ring.keys)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_never_shows_key_material(client: Client, fresh_keys: None) -> None:
    text = client.get("/healthz").content.decode()
    ring = provider().kek_ring()
    for raw in ring.keys.values():
        for encoded in (base64.urlsafe_b64encode(raw).decode().rstrip("="), raw.hex()):
            assert encoded not in text


@pytest.mark.django_db
def test_unreachable_broker_is_503(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Port 9 on loopback: nothing listens, the connection is refused at once. (Patched at the
    # connection, since Celery prefers the CELERY_BROKER_URL environment variable to its conf.)
    real = app.connection_for_write
    with mock.patch.object(app, "connection_for_write", lambda *a, **k: real("redis://127.0.0.1:9/0")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False and body["broker"]["mode"] == "broker"
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_broken_key_configuration_is_503(client: Client, settings: Any, fresh_keys: None) -> None:
    settings.TRACING_KEKS = "not-a-key-ring"
    reset_key_cache()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["keys"] == {"ok": False, "error": "ImproperlyConfigured"}


@pytest.mark.django_db
def test_healthz_answers_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
