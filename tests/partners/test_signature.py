"""Signed API: valid signatures (HMAC, Ed25519), a bad signature, wrong/expired/revoked/rotated
keys, a replayed request and a stale timestamp each get the documented 401 code."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.actions import partner_key_revoke, partner_key_rotate
from partners.models import PartnerKey, PartnerNonce
from tests.partners.conftest import REQUESTS, Signer

pytestmark = pytest.mark.django_db


def _code(response: Any) -> str:
    return response.json()["code"]


def test_a_valid_hmac_signature_authenticates_as_the_service_user(hmac_signer: Signer, partner: Any) -> None:
    response = hmac_signer.get(REQUESTS)
    assert response.status_code == 200, response.content
    assert response.json() == {"count": 0, "results": []}
    assert PartnerNonce.objects.filter(key__key_id=hmac_signer.key_id).count() == 1


def test_a_valid_ed25519_signature_authenticates(ed_signer: Signer) -> None:
    assert ed_signer.get(REQUESTS + "?status=sent").status_code == 200


def test_the_query_string_is_signed(hmac_signer: Signer) -> None:
    headers = hmac_signer.headers("GET", REQUESTS + "?status=sent", b"")
    response = hmac_signer.client.get(REQUESTS + "?status=answered", headers=headers)
    assert response.status_code == 401 and _code(response) == "signature_invalid"


def test_a_bad_signature_is_401_signature_invalid(hmac_signer: Signer) -> None:
    headers = hmac_signer.headers("GET", REQUESTS, b"")
    headers["X-Partner-Signature"] = headers["X-Partner-Signature"][::-1]
    response = hmac_signer.client.get(REQUESTS, headers=headers)
    assert response.status_code == 401
    assert _code(response) == "signature_invalid"
    assert not PartnerNonce.objects.exists()  # refused requests leave no nonce behind


def test_a_tampered_body_is_401(hmac_signer: Signer) -> None:
    headers = hmac_signer.headers("POST", REQUESTS, b'{"question": "a"}')
    response = hmac_signer.client.generic("POST", REQUESTS, b'{"question": "b"}', content_type="application/json",
                                          headers={**headers, "Idempotency-Key": "retry-key-0001"})
    assert response.status_code == 401 and _code(response) == "signature_invalid"


def test_a_signature_made_with_another_key_is_401(partner: Any, ke_admin: Any, hmac_signer: Signer) -> None:
    from tests.partners.conftest import ed25519_signer

    other = ed25519_signer(ke_admin, partner)
    # Signed with the Ed25519 key but naming the HMAC key: the wrong key.
    response = other.get(REQUESTS, key_id=hmac_signer.key_id)
    assert response.status_code == 401 and _code(response) == "signature_invalid"


def test_an_unknown_key_is_401_key_unknown(hmac_signer: Signer) -> None:
    response = hmac_signer.get(REQUESTS, key_id="pk_doesnotexist")
    assert response.status_code == 401 and _code(response) == "key_unknown"


def test_missing_signature_headers_are_401(hmac_signer: Signer) -> None:
    response = APIClient().get(REQUESTS, headers={"X-Partner-Key": hmac_signer.key_id})
    assert response.status_code == 401 and _code(response) == "signature_missing"


def test_an_unsigned_request_is_401_not_authenticated_even_for_staff(personas: Any) -> None:
    client = APIClient()
    response = client.get(REQUESTS)
    assert response.status_code == 401 and _code(response) == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("PartnerSignature")
    client.force_login(personas.supervisor)  # a staff session is not a partner signature
    assert client.get(REQUESTS).status_code == 401


def test_a_replayed_request_is_401_replayed(hmac_signer: Signer) -> None:
    headers = hmac_signer.headers("GET", REQUESTS, b"")
    assert hmac_signer.client.get(REQUESTS, headers=headers).status_code == 200
    replay = hmac_signer.client.get(REQUESTS, headers=headers)
    assert replay.status_code == 401
    assert _code(replay) == "replayed"


def test_the_same_nonce_with_a_fresh_timestamp_is_still_a_replay(hmac_signer: Signer) -> None:
    assert hmac_signer.get(REQUESTS, nonce="n" * 20).status_code == 200
    again = hmac_signer.get(REQUESTS, nonce="n" * 20, timestamp=int(time.time()) + 5)
    assert again.status_code == 401 and _code(again) == "replayed"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_timestamp_is_401(hmac_signer: Signer, skew: int) -> None:
    response = hmac_signer.get(REQUESTS, timestamp=int(time.time()) + skew)
    assert response.status_code == 401 and _code(response) == "timestamp_out_of_window"
    assert hmac_signer.get(REQUESTS, timestamp=int(time.time()) - 200).status_code == 200


def test_a_malformed_nonce_is_401(hmac_signer: Signer) -> None:
    response = hmac_signer.get(REQUESTS, nonce="short")
    assert response.status_code == 401 and _code(response) == "nonce_invalid"


def test_an_expired_key_is_401_key_expired(hmac_signer: Signer) -> None:
    PartnerKey.objects.filter(key_id=hmac_signer.key_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = hmac_signer.get(REQUESTS)
    assert response.status_code == 401 and _code(response) == "key_expired"


def test_a_key_not_valid_yet_is_401(hmac_signer: Signer) -> None:
    PartnerKey.objects.filter(key_id=hmac_signer.key_id).update(not_before=timezone.now() + timedelta(hours=1))
    response = hmac_signer.get(REQUESTS)
    assert response.status_code == 401 and _code(response) == "key_not_yet_valid"


def test_a_revoked_key_is_refused_at_once(hmac_signer: Signer, ke_admin: Any) -> None:
    assert hmac_signer.get(REQUESTS).status_code == 200
    partner_key_revoke(acting_user=ke_admin, key_id=hmac_signer.key_id)
    response = hmac_signer.get(REQUESTS)
    assert response.status_code == 401 and _code(response) == "key_revoked"


def test_after_rotation_the_old_key_works_until_the_overlap_ends(hmac_signer: Signer, partner: Any,
                                                                 ke_admin: Any) -> None:
    new_key, secret = partner_key_rotate(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256",
                                         overlap=timedelta(days=7))
    new = Signer(key_id=new_key.key_id, secret=secret)
    old = PartnerKey.objects.get(key_id=hmac_signer.key_id)
    assert old.expires_at is not None and old.expires_at > timezone.now() + timedelta(days=6)
    assert hmac_signer.get(REQUESTS).status_code == 200  # old key: still valid during the overlap
    assert new.get(REQUESTS).status_code == 200
    PartnerKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _code(hmac_signer.get(REQUESTS)) == "key_expired"
    assert new.get(REQUESTS).status_code == 200


def test_an_inactive_partner_is_refused(hmac_signer: Signer, partner: Any) -> None:
    partner.active = False
    partner.save(update_fields=["active"])
    assert _code(hmac_signer.get(REQUESTS)) == "key_unknown"


def test_a_partner_over_its_rate_is_throttled(hmac_signer: Signer, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.PARTNERS_RATE = "2/min"
    assert [hmac_signer.get(REQUESTS).status_code for _ in range(2)] == [200, 200]
    third = hmac_signer.get(REQUESTS)
    assert third.status_code == 429 and third.json()["code"] == "throttled" and third.has_header("Retry-After")
    assert APIClient().get(REQUESTS).status_code == 401  # unsigned: refused before the rate counts
