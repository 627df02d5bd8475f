"""Permission matrix rows of the reports app (docs/reports.md).

Dashboards show aggregates only (no name, contact or reference on any of them): the office view
to caseworkers, supervisors and auditors (each their own office), the network view to
supervisors and auditors. Exports hold only visible cases, with the fields of each case's level:
the SEARCH partner gets the case and the sought person but no enquirer contact.
"""

from __future__ import annotations

from tests.permissions.checks import EMAIL, NO_CASE, REF, SOUGHT, Call, Check, api_get

OFFICE_PAGE = "anon=302 nobody=302 cw=200 sup=200 adm=403 aud=200 out=200 ps=200 pf=200"
NETWORK_PAGE = "anon=302 nobody=302 cw=403 sup=200 adm=403 aud=200 out=403 ps=403 pf=403"
OFFICE_API = "anon=401 nobody=403 cw=200 sup=200 adm=403 aud=200 out=200 ps=200 pf=200"
NETWORK_API = "anon=401 nobody=403 cw=403 sup=200 adm=403 aud=200 out=403 ps=403 pf=403"
EVERYONE = ("cw", "sup", "adm", "aud", "out", "ps", "pf")
AGGREGATES_ONLY = {EVERYONE: (SOUGHT, EMAIL, REF)}


def _export(kind: str) -> Call:
    return Call(method="POST", data=lambda w: {"kind": kind, "format": "csv"})


ROWS: dict[str, list[Check]] = {
    "reports:office": [Check(Call(), OFFICE_PAGE, absent=AGGREGATES_ONLY)],
    "reports:network": [Check(Call(), NETWORK_PAGE, absent=AGGREGATES_ONLY)],
    "reports:exports": [
        Check(Call(), OFFICE_PAGE, absent=AGGREGATES_ONLY),
        Check(_export("cases"), OFFICE_PAGE, present={("cw", "sup", "aud", "ps", "pf"): (REF, SOUGHT)},
              absent={NO_CASE: (REF, SOUGHT)}),
        # Auditors are not offered person exports: the form answers with an error, no file.
        # (The SEARCH partner's own KE case has the same enquirer e-mail in this world, so its
        # missing enquirer contact on the shared case is asserted in tests/reports/test_exports.py.)
        Check(_export("persons"), OFFICE_PAGE, present={("cw", "sup", "pf"): (SOUGHT, EMAIL), ("ps",): (SOUGHT,)},
              absent={("aud", *NO_CASE): (SOUGHT, EMAIL)}),
    ],
    "reports-api-office": [Check(api_get(), OFFICE_API, absent=AGGREGATES_ONLY)],
    "reports-api-network": [Check(api_get(), NETWORK_API, absent=AGGREGATES_ONLY)],
}
