"""The OpenAPI schema validates without warnings, and the docs are served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_is_valid_and_warning_free(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in ("/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/transitions/",
                 "/api/v1/cases/{id}/assign/", "/api/v1/cases/{id}/persons/", "/api/v1/persons/{id}/",
                 "/api/v1/persons/{id}/erase/", "/api/v1/cases/{id}/notes/", "/api/v1/cases/{id}/attachments/",
                 "/api/v1/attachments/{id}/download/", "/api/v1/cases/{id}/consents/",
                 "/api/v1/cases/{id}/consents/{consent_id}/withdraw/", "/api/v1/auth/token/"):
        assert path in paths
    assert set(paths["/api/v1/cases/"]) == {"get", "post"}
    assert set(paths["/api/v1/cases/{id}/"]) == {"get", "patch"}
    assert "multipart/form-data" in paths["/api/v1/cases/{id}/attachments/"]["post"]["requestBody"]["content"]
    assert "409" in paths["/api/v1/cases/{id}/transitions/"]["post"]["responses"]
    query = {p["name"] for p in paths["/api/v1/cases/"]["get"]["parameters"]}
    assert {"state", "priority", "assigned_to_me", "reference", "q", "page"} <= query
    assert set(schema["components"]["securitySchemes"]) == {"cookieAuth", "tokenAuth", "partnerSignature"}
    # PATCH bodies still require the version the client read.
    components = schema["components"]["schemas"]
    assert components["CaseUpdateRequest"]["required"] == ["version"]
    assert components["PersonUpdateRequest"]["required"] == ["version"]
    assert "version" in components["TransitionInputRequest"]["required"]
    ours = {path: ops for path, ops in paths.items() if not path.startswith(("/api/v1/network/", "/api/v1/auth/"))}
    assert all(op.get("summary") for ops in ours.values() for op in ops.values())


def test_schema_and_docs_are_served(personas: Any, client: Any) -> None:
    client.force_login(personas.caseworker)
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200 and b"/api/v1/cases/" in response.content
    assert client.get("/api/v1/docs/").status_code == 200
