"""The partner endpoints in the OpenAPI schema: the signature scheme, headers, error responses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_signed_api(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    scheme = schema["components"]["securitySchemes"]["partnerSignature"]
    assert scheme["in"] == "header" and "replayed" in scheme["description"]
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/partners/")}
    assert set(paths) == {"/api/v1/partners/requests/", "/api/v1/partners/requests/{request_id}/",
                          "/api/v1/partners/requests/{request_id}/answer/", "/api/v1/partners/webhooks/",
                          "/api/v1/partners/webhooks/{subscription_id}/"}
    for ops in paths.values():
        for method, op in ops.items():
            assert op["security"] == [{"partnerSignature": []}] and op["summary"]
            assert "401" in op["responses"]
            headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
            assert {"X-Partner-Key", "X-Partner-Timestamp", "X-Partner-Nonce"} <= headers
            if method == "post":
                assert "Idempotency-Key" in headers and {"400", "422"} <= set(op["responses"])
