"""Retention rules are edited by the office administrator in the Django admin, own office only."""

from __future__ import annotations

from typing import Any

import pytest

from privacy.models import RetentionRule
from tests.factories import staff
from tracing.models import Role

pytestmark = pytest.mark.django_db
ADMIN_URL = "/admin/privacy/retentionrule/"


def test_office_admin_adds_and_edits_rules_of_their_own_office(personas: Any, client: Any) -> None:
    client.force_login(personas.admin)
    assert client.get(ADMIN_URL).status_code == 200
    response = client.post(ADMIN_URL + "add/", {"closure_reason": "deceased", "years": "10", "action": "erase"})
    assert response.status_code == 302, response.content.decode()[:500]
    rule = RetentionRule.objects.get()
    assert (rule.office, rule.closure_reason, rule.years) == (personas.home, "deceased", 10)
    response = client.post(f"{ADMIN_URL}{rule.pk}/change/", {"closure_reason": "deceased", "years": "7",
                                                             "action": "erase"})
    assert response.status_code == 302 and RetentionRule.objects.get().years == 7
    # A second rule for the same reason is refused on the form, not by a database error.
    response = client.post(ADMIN_URL + "add/", {"closure_reason": "deceased", "years": "1", "action": "erase"})
    assert response.status_code == 200 and "already has a rule" in response.content.decode()
    assert RetentionRule.objects.count() == 1


def test_rules_of_another_office_are_invisible_and_others_may_not_edit(personas: Any, client: Any) -> None:
    rule = RetentionRule.objects.create(office=personas.other, closure_reason="any", years=3)
    client.force_login(personas.admin)
    assert str(rule) not in client.get(ADMIN_URL).content.decode()
    assert client.get(f"{ADMIN_URL}{rule.pk}/change/").status_code == 404
    fr_admin = staff("fr_adm", personas.other, Role.OFFICE_ADMIN)
    client.force_login(fr_admin)
    assert client.get(f"{ADMIN_URL}{rule.pk}/change/").status_code == 200
    for user in (personas.supervisor, personas.caseworker, personas.auditor):
        client.force_login(user)
        assert client.get(ADMIN_URL).status_code == 403
