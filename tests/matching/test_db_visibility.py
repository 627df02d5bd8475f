"""visible(user, MatchProposal): both persons must be visible, and the explanation shows each
side's values only as far as person_fields(level, role) allows for that side."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import PersonRole
from matching.models import MatchProposal
from matching.selectors import proposal_views
from tests.factories import staff
from tests.matching.db_helpers import make_pair, sought
from tracing.models import Role
from tracing.permissions import Level, share_grant, visible

pytestmark = pytest.mark.django_db


def _rows(user: Any, proposal: MatchProposal) -> dict[str, tuple[str | None, str | None]]:
    view = proposal_views(user=user, proposals=[proposal], with_values=True)[0]
    left_is_home = view.a.person.case.office.code == "NL"
    return {r.comparison: (r.left, r.right) if left_is_home else (r.right, r.left) for r in view.rows}


def test_who_sees_a_proposal(personas: Any, open_case: Any) -> None:
    pair = make_pair(personas, open_case, share_kenya=None)  # only the home case is shared (with Kenya)
    sees = {
        name: visible(getattr(personas, name), MatchProposal).filter(pk=pair.proposal.pk).exists()
        for name in (
            "caseworker",
            "supervisor",
            "partner_caseworker",
            "partner_supervisor",
            "outsider",
            "admin",
            "auditor",
            "nobody",
        )
    }
    assert sees == {
        "caseworker": False,
        "supervisor": False,
        "partner_caseworker": True,
        "partner_supervisor": True,
        "outsider": False,
        "admin": False,
        "auditor": False,
        "nobody": False,
    }
    assert visible(staff("net_aud", personas.home, Role.AUDITOR, network_wide=True), MatchProposal).count() == 1


def test_a_share_revoked_hides_the_proposal_at_once(personas: Any, open_case: Any) -> None:
    from tracing.permissions import share_revoke

    pair = make_pair(personas, open_case)
    assert visible(personas.caseworker, MatchProposal).count() == 1
    share_revoke(pair.kenya, personas.home)
    assert visible(personas.caseworker, MatchProposal).count() == 0


def test_values_follow_the_policy_of_each_side(personas: Any, open_case: Any) -> None:
    from cases.actions import person_update

    pair = make_pair(personas, open_case, share_home=Level.SEARCH, share_kenya=Level.SEARCH)
    for case, user in ((open_case, personas.caseworker), (pair.kenya, personas.partner_caseworker)):
        person_update(acting_user=user, person_id=sought(case).pk, data={"phone": "+254 711 000111"})
    # Home caseworker: owner of the home side (phone shown), search level on the Kenyan side (no phone).
    home_view = _rows(personas.caseworker, pair.proposal)
    assert home_view["name"][0].startswith("Mohammed Abdi Hassan") and home_view["name"][1] == "Maxamed Cabdi Xasan"
    assert home_view["birth_place"] == ("Kismayo", "Kismaayo")
    assert home_view["phone"] == ("+254711000111", None)
    # The Kenyan caseworker: the other way round.
    kenya_view = _rows(personas.partner_caseworker, pair.proposal)
    assert kenya_view["phone"] == (None, "+254711000111")
    # The list decrypts nothing but names: no values at all.
    listed = proposal_views(user=personas.caseworker, proposals=[pair.proposal])[0]
    assert all(r.left is None and r.right is None for r in listed.rows)
    assert {listed.a.name, listed.b.name} == {"Mohammed Abdi Hassan", "Maxamed Cabdi Xasan"}


def test_a_relative_on_a_search_share_is_not_shown(personas: Any, open_case: Any) -> None:
    pair = make_pair(personas, open_case)
    relative = MatchProposal.objects.get(pk=pair.proposal.pk)
    # Turn the Kenyan side into a relative: the policy gives a search-level office no field of it.
    kenyan = sought(pair.kenya)
    kenyan.role = PersonRole.RELATIVE
    kenyan.save(update_fields=["role"])
    assert not visible(personas.caseworker, MatchProposal).filter(pk=relative.pk).exists()
    share_grant(pair.kenya, personas.home, Level.FULL)
    assert visible(personas.caseworker, MatchProposal).filter(pk=relative.pk).exists()
