"""A registered partner system (acting for the KE office) with keys, a signing client, and a
recording webhook transport (no delivery ever leaves the test process)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from rest_framework.test import APIClient

from partners import signing
from partners.actions import partner_key_add, partner_register
from tests.factories import staff
from tracing.models import Role


class RecordingTransport:
    """Keeps what would have been POSTed; `fail` makes the next posts raise."""

    sent: list[tuple[str, bytes, dict[str, str]]] = []
    fail: bool = False

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if RecordingTransport.fail:
            raise ConnectionError("partner down")
        RecordingTransport.sent.append((url, body, headers))
        return 200


@pytest.fixture(autouse=True)
def webhook_transport(settings: Any) -> type[RecordingTransport]:
    settings.PARTNERS_WEBHOOK_TRANSPORT = "tests.partners.conftest.RecordingTransport"
    RecordingTransport.sent = []
    RecordingTransport.fail = False
    return RecordingTransport


@dataclass
class Signer:
    """Signs requests with one key: HMAC (secret) or Ed25519 (private key)."""

    key_id: str
    secret: str = ""
    private: Ed25519PrivateKey | None = None
    client: APIClient = field(default_factory=APIClient)

    def headers(self, method: str, path: str, body: bytes, *, nonce: str | None = None,
                timestamp: int | None = None, key_id: str | None = None) -> dict[str, str]:
        return signing.signed_headers(key_id=key_id or self.key_id, method=method, path=path, body=body,
                                      secret=self.secret, private_key=self.private, nonce=nonce, timestamp=timestamp)

    def call(self, method: str, path: str, data: Any = None, *, idempotency_key: str | None = None,
             headers: dict[str, str] | None = None, **sign: Any) -> Any:
        body = b"" if data is None else json.dumps(data).encode()
        all_headers = {**self.headers(method, path, body, **sign), **(headers or {})}
        if idempotency_key:
            all_headers["Idempotency-Key"] = idempotency_key
        return self.client.generic(method, path, body, content_type="application/json", headers=all_headers)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, data: Any, **kw: Any) -> Any:
        kw.setdefault("idempotency_key", secrets.token_hex(8))
        return self.call("POST", path, data, **kw)


@pytest.fixture
def ke_admin(personas: Any) -> Any:
    return staff("ke_adm", personas.partner, Role.OFFICE_ADMIN)


@pytest.fixture
def partner(personas: Any, ke_admin: Any) -> Any:
    return partner_register(acting_user=ke_admin, office_id=personas.partner.pk, name="Kenya deployment")


@pytest.fixture
def hmac_signer(partner: Any, ke_admin: Any) -> Signer:
    key, secret = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    return Signer(key_id=key.key_id, secret=secret)


def ed25519_signer(admin: Any, partner: Any) -> Signer:
    private = Ed25519PrivateKey.generate()
    public = signing.b64e(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    key, _secret = partner_key_add(acting_user=admin, partner_id=partner.pk, algorithm="ed25519", public_key=public)
    return Signer(key_id=key.key_id, private=private)


@pytest.fixture
def ed_signer(partner: Any, ke_admin: Any) -> Signer:
    return ed25519_signer(ke_admin, partner)


REQUESTS = "/api/v1/partners/requests/"
WEBHOOKS = "/api/v1/partners/webhooks/"
