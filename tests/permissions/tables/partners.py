"""Permission matrix rows of the partners app.

The partner API accepts only signed requests (partners/auth.py): every persona of the matrix
(session or token users, staff included) is a 401 there — the signed behaviour is tested in
tests/partners/. The page lists partner systems to office administrators of their own office.
"""

from __future__ import annotations

from typing import Any

from tests.permissions.checks import Call, Check, api_get, api_post
from tests.permissions.matrix import World

UNSIGNED = "anon=401 nobody=401 cw=401 sup=401 adm=401 aud=401 out=401 ps=401 pf=401"
ADMINS_ONLY = "anon=302 nobody=302 cw=403 sup=403 adm=200 aud=403 out=403 ps=403 pf=403"
OTHER_OFFICE_KEY = "pk_matrixotheroffice"


def extend_world(world: World) -> None:
    """A partner system acting for the KE office, with a key and a webhook subscription."""
    from partners.actions import partner_key_add, partner_register, webhook_subscribe
    from partners.models import PartnerKey
    from tests.factories import staff
    from tracing.models import Role

    ke = world.request_search.to_office
    ke_admin = staff("ke_matrix_adm", ke, Role.OFFICE_ADMIN)
    partner = partner_register(acting_user=ke_admin, office_id=ke.pk, name="Kenya deployment")
    key, _secret = partner_key_add(acting_user=ke_admin, partner_id=partner.pk, algorithm="hmac-sha256")
    PartnerKey.objects.filter(pk=key.pk).update(key_id=OTHER_OFFICE_KEY)
    world.extra["webhook"] = webhook_subscribe(partner=partner, url="https://partner.example/hook", secret="s" * 40)


def _request(w: World) -> list[Any]:
    return [w.request_search.pk]


ROWS: dict[str, list[Check]] = {
    "partners-api-requests": [
        Check(api_get(), UNSIGNED),
        Check(api_post(lambda w: [], lambda w: {"to_office": "NL", "question": "Search."}), UNSIGNED),
    ],
    "partners-api-request-detail": [Check(api_get(_request), UNSIGNED, absent={
        ("cw", "sup", "aud", "ps", "pf", "adm", "out", "nobody", "anon"): ("Search question for KE.",)})],
    "partners-api-request-answer": [Check(api_post(_request, lambda w: {
        "outcome": "not_found", "searched": "Nairobi", "answer": "No trace."}), UNSIGNED)],
    "partners-api-webhooks": [
        Check(api_get(), UNSIGNED, absent={("adm", "sup", "ps"): ("partner.example",)}),
        Check(api_post(lambda w: [], lambda w: {"url": "https://x.example/h", "secret": "s" * 40}), UNSIGNED),
    ],
    "partners-api-webhook-detail": [Check(Call(method="DELETE", args=lambda w: [w.extra["webhook"].pk], api=True),
                                          UNSIGNED)],
    # The NL administrator sees the page, but not the KE partner system (another office's).
    "partners:systems": [Check(Call(), ADMINS_ONLY, absent={("adm",): (OTHER_OFFICE_KEY, "Kenya deployment")})],
}
