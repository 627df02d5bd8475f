"""GET /healthz: database, broker and key configuration, as JSON (no secrets)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}


def _broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager (embedded default, no broker)"}
    from tracing.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "broker", "error": type(exc).__name__}


def _keys() -> dict[str, Any]:
    from tracing.crypto.keys import provider

    try:
        p = provider()
        kek, index = p.kek_ring(), p.index_ring()
        p.audit_signing_key()
        return {
            "ok": True,
            "kek_current": kek.current,
            "kek_ids": sorted(kek.keys),
            "index_current": index.current,
            "development_keys": bool(getattr(p, "uses_dev_keys", lambda: False)()),
        }
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker(), "keys": _keys()}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
