"""Permission-matrix rows of the privacy app: data protection page, legal holds, data subject requests.

Everything is for supervisors of the owning office: a caseworker, auditor or partner who sees the
case gets 403, an office administrator or outsider who does not gets 404.
"""

from __future__ import annotations

from typing import Any

from tests.permissions.checks import CASE_API_SUP, CASE_PAGE_SUP, EMAIL, REF, SOUGHT, Check, api_get, api_post, case
from tests.permissions.matrix import Call, World

SUP_ONLY_PAGE = "anon=302 nobody=302 cw=403 sup=200 adm=403 aud=403 out=403 ps=403 pf=403"
HOLD_RELEASE = "anon=302 nobody=302 cw=403 sup=302 adm=404 aud=403 out=404 ps=403 pf=403"
DSAR_ERASE_PAGE = "anon=302 nobody=302 cw=403 sup=400 adm=404 aud=403 out=404 ps=403 pf=403"
HOLD_SET_API = "anon=401 nobody=403 cw=403 sup=201 adm=404 aud=403 out=404 ps=403 pf=403"
EVERYONE = ("anon", "nobody", "cw", "sup", "adm", "aud", "out", "ps", "pf")


def extend_world(world: World) -> None:
    """A legal hold on the world's case, released again: the case stays free for a new hold."""
    from privacy.actions import legal_hold_release, legal_hold_set

    sup = world.users["sup"]
    hold = legal_hold_set(acting_user=sup, case_id=world.case.pk, reason="litigation")
    world.extra["hold"] = legal_hold_release(acting_user=sup, hold_id=hold.pk)


def sought(w: World) -> list[Any]:
    return [w.sought.pk]


def hold(w: World) -> list[Any]:
    return [w.extra["hold"].pk]


ROWS: dict[str, list[Check]] = {
    "privacy:index": [Check(Call(), SUP_ONLY_PAGE, absent={EVERYONE: (SOUGHT, EMAIL)},
                            note="no case data until a reference is looked up")],
    "privacy:hold_set": [Check(Call(args=case), CASE_PAGE_SUP, present={("sup",): (REF,)})],
    "privacy:hold_release": [Check(Call(method="POST", args=hold), HOLD_RELEASE)],
    "privacy:dsar": [Check(Call(args=sought), CASE_PAGE_SUP, present={("sup",): (REF,)},
                           absent={EVERYONE: (SOUGHT, EMAIL)})],
    "privacy:dsar_rectify": [Check(Call(args=sought), CASE_PAGE_SUP, present={("sup",): (REF, "Kismayo")},
                                   absent={EVERYONE: (EMAIL,)})],
    "privacy:dsar_export": [Check(Call(method="POST", args=sought), CASE_PAGE_SUP,
                                  present={("sup",): (SOUGHT,)}, absent={EVERYONE: (EMAIL,)},
                                  note="the sought person's export holds no enquirer contact")],
    "privacy:dsar_erase": [Check(Call(method="POST", args=sought), DSAR_ERASE_PAGE,
                                 note="without the confirmation nothing is erased (400)")],
    "privacy-api-dsar-export": [Check(api_get(sought), CASE_API_SUP, present={("sup",): (SOUGHT,)},
                                      absent={EVERYONE: (EMAIL,)})],
    "privacy-api-dsar-rectify": [Check(api_post(sought, lambda w: {"data": {"description": "Tall."}}),
                                       CASE_API_SUP)],
    "privacy-api-dsar-erase": [Check(api_post(lambda w: [w.enquirer.pk]), CASE_API_SUP,
                                     note="the enquirer: no files, so the rolled-back call leaves nothing behind")],
    "privacy-api-hold-set": [Check(api_post(case, lambda w: {"reason": "authority"}), HOLD_SET_API)],
    "privacy-api-hold-release": [Check(api_post(hold), CASE_API_SUP)],
}
