"""The administrator's page and the management commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from partners.models import PartnerKey, PartnerSystem

pytestmark = pytest.mark.django_db


def test_the_page_lists_the_offices_partner_systems_and_key_ids(client: Any, partner: Any, ke_admin: Any,
                                                                hmac_signer: Any) -> None:
    client.force_login(ke_admin)
    response = client.get("/partners/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Kenya deployment" in text and hmac_signer.key_id in text
    assert hmac_signer.secret not in text


def test_another_offices_admin_sees_none_of_them_and_staff_are_refused(client: Any, partner: Any,
                                                                       personas: Any) -> None:
    client.force_login(personas.admin)
    response = client.get("/partners/")
    assert response.status_code == 200 and "Kenya deployment" not in response.content.decode()
    client.force_login(personas.partner_supervisor)
    assert client.get("/partners/").status_code == 403


def test_the_page_is_translated(client: Any, partner: Any, ke_admin: Any) -> None:
    client.force_login(ke_admin)
    response = client.get("/partners/", headers={"accept-language": "nl"})
    assert "Partnersystemen" in response.content.decode()


def test_commands_register_add_rotate_and_revoke(personas: Any, ke_admin: Any) -> None:
    out = StringIO()
    call_command("partner_register", office="KE", name="Kenya deployment", by=ke_admin.username, stdout=out)
    partner = PartnerSystem.objects.get()
    assert f"partner id: {partner.pk}" in out.getvalue()
    out = StringIO()
    call_command("partner_key_add", str(partner.pk), algorithm="hmac-sha256", by=ke_admin.username, stdout=out)
    key = PartnerKey.objects.get()
    assert f"key id: {key.key_id}" in out.getvalue() and key.secret in out.getvalue()
    call_command("partner_key_rotate", str(partner.pk), algorithm="hmac-sha256", by=ke_admin.username,
                 overlap_days=2, stdout=StringIO())
    key.refresh_from_db()
    assert key.expires_at is not None and PartnerKey.objects.count() == 2
    call_command("partner_key_revoke", key.key_id, by=ke_admin.username, stdout=StringIO())
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is not None


def test_commands_refuse_other_offices_administrators(personas: Any) -> None:
    with pytest.raises(CommandError):
        call_command("partner_register", office="KE", name="X", by=personas.admin.username, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("partner_register", office="ZZ", name="X", by=personas.admin.username, stdout=StringIO())
