"""Permission matrix rows of the exchange app (docs/exchange.md).

Import batches belong to the uploading office: its caseworkers and supervisors see them; every
other persona gets 404. Any caseworker or supervisor may upload a list into their own office;
office administrators and auditors may not (403). A PFIF export needs owner-level work on the
case (auditors and partner offices 403; a case one cannot see is "no such case", 400).
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.permissions.checks import Call, Check

LABEL = "Matrix camp list"
PAGE = "anon=302 nobody=302 cw=200 sup=200 adm=200 aud=200 out=200 ps=200 pf=200"
OWN_BATCH = "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=404 out=404 ps=404 pf=404"
OWN_BATCH_POST = "anon=302 nobody=302 cw=302 sup=302 adm=404 aud=404 out=404 ps=404 pf=404"
OTHERS = ("adm", "aud", "out", "ps", "pf")
MAPPING = {"col_0": "given_names", "col_1": "family_name", "col_2": "last_place", "col_3": "last_country"}
CONTENT = b"Given names,Family name,Camp,Country\nAmina,Yusuf,Dadaab,KE\nHassan,Abdi,Kakuma,KE\n"


def _batch(w: Any) -> list[Any]:
    return [w.extra["exchange_batch"].pk]


def _upload(w: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("list.csv", b"Given names\nZahra\n", content_type="text/csv"),
            "label": "Uploaded in the matrix", "encoding": "utf-8"}


def extend_world(world: Any) -> None:
    from exchange.actions import batch_check, batch_upload

    cw = world.users["cw"]
    batch, _created = batch_upload(acting_user=cw, filename="camp.csv", content=CONTENT, label=LABEL)
    world.extra["exchange_batch"] = batch_check(acting_user=cw, batch_id=batch.id)


ROWS: dict[str, list[Check]] = {
    "exchange:index": [Check(Call(), PAGE, present={("cw", "sup"): (LABEL,)}, absent={OTHERS: (LABEL,)})],
    "exchange:upload": [Check(Call(method="POST", data=_upload),
                              "anon=302 nobody=302 cw=302 sup=302 adm=403 aud=403 out=302 ps=302 pf=302")],
    "exchange:detail": [
        Check(Call(args=_batch), OWN_BATCH, present={("cw", "sup"): (LABEL, "Every row can be imported")}),
        Check(Call(method="POST", args=_batch, data=lambda w: MAPPING), OWN_BATCH_POST),
    ],
    "exchange:confirm": [Check(Call(method="POST", args=_batch), OWN_BATCH_POST)],
    "exchange:status": [Check(Call(args=_batch), OWN_BATCH, present={("cw", "sup"): ('"status": "checked"',)})],
    "exchange:problems": [Check(Call(args=_batch), OWN_BATCH, present={("cw", "sup"): ("row,column,problem",)})],
    "exchange:export": [
        Check(Call(), PAGE),
        # The world's only consent is "relay messages": nothing may leave as PFIF.
        Check(Call(method="POST", data=lambda w: {"reference": w.case.reference}),
              "anon=302 nobody=302 cw=200 sup=200 adm=400 aud=403 out=400 ps=403 pf=403",
              present={("cw", "sup"): ("http://zesty.ca/pfif/1.4",)},
              absent={("cw", "sup"): ("Mohammed",)}),
    ],
}
