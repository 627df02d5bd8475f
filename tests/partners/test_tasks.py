"""Pruning: old nonces and stored responses go; recent ones stay (replay protection holds)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from partners.models import IdempotencyRecord, PartnerNonce
from partners.tasks import partners_prune
from tests.partners.conftest import REQUESTS, Signer

pytestmark = pytest.mark.django_db


def test_prune_forgets_only_what_can_no_longer_be_replayed(hmac_signer: Signer, partner: Any) -> None:
    assert hmac_signer.get(REQUESTS, nonce="old-nonce-000000001").status_code == 200
    assert hmac_signer.get(REQUESTS, nonce="new-nonce-000000001").status_code == 200
    PartnerNonce.objects.filter(nonce="old-nonce-000000001").update(seen_at=timezone.now() - timedelta(minutes=11))
    IdempotencyRecord.objects.create(partner=partner, key="old-key-1", request_hash="0" * 64, status_code=201,
                                     data_key=partner.data_key, response_body={"id": 1},
                                     created_at=timezone.now() - timedelta(hours=25))
    IdempotencyRecord.objects.create(partner=partner, key="new-key-1", request_hash="0" * 64, status_code=201,
                                     data_key=partner.data_key, response_body={"id": 2})
    assert partners_prune.delay().get() == {"nonces": 1, "responses": 1}
    assert list(PartnerNonce.objects.values_list("nonce", flat=True)) == ["new-nonce-000000001"]
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key-1"]
    # The kept nonce is still a replay.
    assert hmac_signer.get(REQUESTS, nonce="new-nonce-000000001").json()["code"] == "replayed"
