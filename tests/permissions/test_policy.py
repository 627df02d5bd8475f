"""The policy's grants: share_grant/share_revoke, levels read fresh on every call, no orphan
permission rows when a case or a user is deleted, and lists whose query count does not grow
with rows or grants."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.actions import case_open
from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from tests.factories import sample_case_data
from tracing.permissions import Level, can, case_level, case_levels, share_grant, share_revoke, visible

pytestmark = pytest.mark.django_db


def test_a_grant_has_exactly_one_level(personas: Any, open_case: Any) -> None:
    share_grant(open_case, personas.partner, Level.SEARCH)
    assert case_level(personas.partner_caseworker, open_case) == Level.SEARCH
    share_grant(open_case, personas.partner, Level.FULL)
    assert list(CaseGroupObjectPermission.objects.values_list("permission__codename", flat=True)) == ["share_full"]
    assert case_level(personas.partner_caseworker, open_case) == Level.FULL
    share_grant(open_case, personas.partner, Level.SEARCH)  # downgrade
    assert case_level(personas.partner_caseworker, open_case) == Level.SEARCH
    assert share_revoke(open_case, personas.partner) == 1
    assert case_level(personas.partner_caseworker, open_case) == Level.NONE
    assert not visible(personas.partner_caseworker, Case).exists()


def test_a_case_is_never_shared_with_its_own_office(personas: Any, open_case: Any) -> None:
    with pytest.raises(ValueError):
        share_grant(open_case, personas.home, Level.FULL)
    with pytest.raises(ValueError):
        share_grant(open_case, personas.partner, Level.OWNER)
    assert not CaseGroupObjectPermission.objects.exists()


def test_levels_in_bulk_match_one_by_one(personas: Any, open_case: Any) -> None:
    other = case_open(acting_user=personas.caseworker, **sample_case_data())
    own = case_open(acting_user=personas.partner_caseworker, **sample_case_data())
    share_grant(open_case, personas.partner, Level.FULL)
    cases = [open_case, other, own]
    for user in (personas.partner_caseworker, personas.caseworker, personas.auditor, personas.admin,
                 personas.outsider, personas.nobody):
        assert case_levels(user, cases) == {c.pk: case_level(user, c) for c in cases}


def test_caseworkers_restricted_to_assigned_cases(personas: Any, open_case: Any) -> None:
    assert open_case.assigned_to == personas.caseworker
    assert visible(personas.caseworker2, Case).filter(pk=open_case.pk).exists()
    personas.home.caseworkers_see_office_cases = False
    personas.home.save()
    fresh = type(personas.caseworker2).objects.get(pk=personas.caseworker2.pk)  # actor is cached per user object
    assert not visible(fresh, Case).filter(pk=open_case.pk).exists()
    assert case_level(fresh, open_case) == Level.NONE
    assert visible(personas.supervisor, Case).filter(pk=open_case.pk).exists()


def test_office_admins_and_auditors(personas: Any, open_case: Any) -> None:
    assert not visible(personas.admin, Case).exists()  # no case content
    assert can(personas.admin, "office.manage", personas.home)
    assert not can(personas.admin, "office.manage", personas.partner)
    assert not can(personas.supervisor, "office.manage", personas.home)
    assert can(personas.auditor, "audit.view", personas.home)
    assert not can(personas.auditor, "audit.view", personas.partner)
    personas.auditor.staff.network_wide = True
    personas.auditor.staff.save()
    network = type(personas.auditor).objects.get(pk=personas.auditor.pk)
    assert can(network, "audit.view", personas.partner)
    assert not can(network, "case.edit", open_case)  # read-only


def test_deleting_a_case_leaves_no_permission_rows(personas: Any, open_case: Any) -> None:
    share_grant(open_case, personas.partner, Level.FULL)
    perm = Permission.objects.get(codename="share_search")
    CaseUserObjectPermission.objects.create(content_object=open_case, user=personas.partner_caseworker,
                                            permission=perm)
    open_case.delete()
    assert not CaseGroupObjectPermission.objects.exists()
    assert not CaseUserObjectPermission.objects.exists()


def test_deleting_a_user_leaves_no_permission_rows(personas: Any, open_case: Any) -> None:
    perm = Permission.objects.get(codename="share_full")
    CaseUserObjectPermission.objects.create(content_object=open_case, user=personas.partner_caseworker,
                                            permission=perm)
    personas.partner_caseworker.delete()
    assert not CaseUserObjectPermission.objects.exists()


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/cases/", "/api/v1/cases/", "/network/"])
def test_list_queries_do_not_grow_with_rows_or_grants(client: Any, personas: Any, url: str) -> None:
    client.force_login(personas.partner_supervisor)
    client.get(url)  # the first request after sign-in restarts the session's idle timeout (a save)

    def shared_cases(n: int) -> None:
        for _i in range(n):
            case = case_open(acting_user=personas.caseworker, **sample_case_data())
            share_grant(case, personas.partner, Level.FULL if _i % 2 else Level.SEARCH)
            case_open(acting_user=personas.partner_caseworker, **sample_case_data())

    shared_cases(1)
    few = _count_queries(client, url)
    shared_cases(4)
    assert _count_queries(client, url) == few
