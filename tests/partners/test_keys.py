"""Registering partner systems and managing keys: office administrators of the partner's
office only, every step audited, secrets sealed and never in the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from partners.actions import partner_key_add, partner_key_revoke, partner_key_rotate, partner_register
from partners.models import PartnerKey
from tracing.exceptions import NotFound, NotPermitted, ValidationFailed
from tracing.models import Role

pytestmark = pytest.mark.django_db


def test_registering_creates_a_supervisor_service_user_of_the_office(partner: Any, personas: Any,
                                                                     ke_admin: Any) -> None:
    user = partner.service_user
    assert user.staff.office == personas.partner and user.staff.role == Role.SUPERVISOR
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(event_type="partner.registered")
    assert event.actor_id == ke_admin.pk and event.data["partner_id"] == str(partner.pk)


@pytest.mark.parametrize("who", ["admin", "supervisor", "partner_supervisor"])
def test_only_the_offices_administrator_registers(personas: Any, who: str) -> None:
    with pytest.raises(NotPermitted):
        partner_register(acting_user=getattr(personas, who), office_id=personas.partner.pk, name="X")


def test_an_hmac_key_is_returned_once_and_stored_sealed(partner: Any, ke_admin: Any) -> None:
    key, secret = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    assert len(secret) >= 43 and key.key_id.startswith("pk_")
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM partners_partnerkey WHERE id = %s", [key.pk.hex if connection.vendor ==
                    "sqlite" else key.pk])
        (raw,) = cur.fetchone()
    assert secret not in raw and raw.startswith("v1$")
    assert PartnerKey.objects.get(pk=key.pk).secret == secret
    event = AuditEvent.objects.get(event_type="partner.key_created")
    assert event.data == {"partner_id": str(partner.pk), "key_id": key.key_id, "algorithm": "hmac-sha256"}
    assert secret not in json.dumps(event.data)


def test_an_ed25519_key_needs_a_32_byte_public_key(partner: Any, ke_admin: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="ed25519", public_key="abc")
    assert "public_key" in exc.value.field_errors
    with pytest.raises(ValidationFailed):
        partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="rsa")


def test_another_offices_administrator_cannot_touch_the_keys(partner: Any, personas: Any, ke_admin: Any) -> None:
    key, _secret = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    with pytest.raises(NotFound):
        partner_key_add(acting_user=personas.admin, partner_id=partner.pk, algorithm="hmac-sha256")
    with pytest.raises(NotFound):
        partner_key_revoke(acting_user=personas.admin, key_id=key.key_id)
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_rotation_sets_the_overlap_and_keeps_earlier_expiries(partner: Any, ke_admin: Any) -> None:
    soon = timezone.now() + timedelta(days=1)
    short, _ = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256",
                               expires_at=soon)
    open_ended, _ = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    new, _ = partner_key_rotate(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256",
                                overlap=timedelta(days=3))
    short.refresh_from_db()
    open_ended.refresh_from_db()
    new.refresh_from_db()
    assert short.expires_at == soon
    assert timedelta(days=2, hours=23) < open_ended.expires_at - timezone.now() <= timedelta(days=3)
    assert new.expires_at is None
    assert AuditEvent.objects.filter(event_type="partner.key_rotated", data__key_id=new.key_id).count() == 1


def test_revoking_is_audited_once(partner: Any, ke_admin: Any) -> None:
    key, _ = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    partner_key_revoke(acting_user=ke_admin, key_id=key.key_id)
    partner_key_revoke(acting_user=ke_admin, key_id=key.key_id)
    assert PartnerKey.objects.get(pk=key.pk).state() == "revoked"
    assert AuditEvent.objects.filter(event_type="partner.key_revoked").count() == 1
    with pytest.raises(NotFound):
        partner_key_revoke(acting_user=ke_admin, key_id="pk_nope")
