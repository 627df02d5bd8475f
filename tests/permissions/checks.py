"""Shared pieces of the permission matrix rows: markers, `Check`, call helpers, common expectations.

`tests/permissions/test_matrix.py` holds the core table; each app added later keeps its rows in
`tests/permissions/tables/<app>.py` (a `ROWS` dict, optional `extend_world(world)`), merged into
the one table, so every URL of the service is still checked from one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.permissions.matrix import Call, World

# Text markers: what a persona sees shows that the policy's field rules reached the page.
EMAIL = "amina.enquirer@example.org"  # enquirer contact: owner and FULL share only
SOUGHT = "Mohammed Abdi Hassan"  # sought person: from SEARCH up
INTERNAL = "Internal: enquirer fragile."  # internal note: owning office only
SHAREABLE = "Shareable: last seen 2015."  # shareable note: partners too
REF = "{ref}"  # the case reference
Q_KE = "Search question for KE."
Q_UG = "Full question for UG."

OWNERS = ("cw", "sup", "aud")
PARTNERS = ("ps", "pf")
CASE_SEERS = OWNERS + PARTNERS
NO_CASE = ("adm", "out")


@dataclass
class Check:
    call: Call
    expect: str
    present: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    absent: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    note: str = ""
    #: A known bug of the URL (the expectation above is the correct one): the row is a strict
    #: xfail, so fixing the bug makes it fail until the mark is removed.
    known_bug: str = ""


def case(w: World) -> list[Any]:
    return [w.case.pk]


def proposal(w: World) -> list[Any]:
    return [w.extra["proposal"].pk]


def api_get(args: Any = lambda w: []) -> Call:
    return Call(method="GET", args=args, api=True)


def api_post(args: Any, data: Any = lambda w: {}, fmt: str = "json") -> Call:
    return Call(method="POST", args=args, data=data, api=True, fmt=fmt)


def purpose_then_get(args: Any) -> Call:
    # Opening another office's (or another caseworker's) case asks for a purpose first.
    return Call(method="GET", args=args, prepare={"purpose": "partner_request"})


ALL_STAFF_200 = "anon=302 nobody=302 cw=200 sup=200 adm=200 aud=200 out=200 ps=200 pf=200"
STAFF_API_200 = "anon=401 nobody=403 cw=200 sup=200 adm=200 aud=200 out=200 ps=200 pf=200"
CASE_PAGE_READ = "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=200 out=404 ps=200 pf=200"
CASE_PAGE_EDIT = "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=403 out=404 ps=403 pf=403"
CASE_PAGE_SUP = "anon=302 nobody=302 cw=403 sup=200 adm=404 aud=403 out=404 ps=403 pf=403"
CASE_API_READ = "anon=401 nobody=403 cw=200 sup=200 adm=404 aud=200 out=404 ps=200 pf=200"
CASE_API_OWNER_READ = "anon=401 nobody=403 cw=200 sup=200 adm=404 aud=200 out=404 ps=403 pf=403"
CASE_API_EDIT = "anon=401 nobody=403 cw=200 sup=200 adm=404 aud=403 out=404 ps=403 pf=403"
CASE_API_CREATE_EDIT = "anon=401 nobody=403 cw=201 sup=201 adm=404 aud=403 out=404 ps=403 pf=403"
CASE_API_SUP = "anon=401 nobody=403 cw=403 sup=200 adm=404 aud=403 out=404 ps=403 pf=403"
PROPOSAL_PAGE = "anon=302 nobody=302 cw=404 sup=404 adm=404 aud=404 out=404 ps={ps} pf=404"
PROPOSAL_API = "anon=401 nobody=403 cw=404 sup=404 adm=404 aud=404 out=404 ps={ps} pf=404"
AUDITOR_ONLY = "anon=302 nobody=302 cw=403 sup=403 adm=403 aud=200 out=403 ps=403 pf=403"
PANEL_POST = "anon=302 nobody=302 cw=302 sup=302 adm=404 aud=403 out=404 ps=403 pf=403"

