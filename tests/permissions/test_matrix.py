"""THE permission matrix: every URL of the service × every persona, from one table.

`TABLE` maps each URL name to the calls made on it and, per persona, the status expected
and the text that must (or must not) be in the answer. `test_every_url_is_in_the_table`
walks the URL resolver: a new view, endpoint or export that is not in the table fails.

Reading an expectation: 404 = the persona may not see the object (never 403 for that);
403 = visible, but the action is not theirs; 302 for anonymous = the login page. Personas
(tests/permissions/matrix.py): anon, nobody (signed in, no role), cw (caseworker, assigned),
sup (supervisor), adm (office admin), aud (auditor), out (outsider office), ps/pf (partner
office with a SEARCH/FULL share of the case).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import sample_case_data
from tests.permissions.checks import (
    ALL_STAFF_200,
    AUDITOR_ONLY,
    CASE_API_CREATE_EDIT,
    CASE_API_EDIT,
    CASE_API_OWNER_READ,
    CASE_API_READ,
    CASE_API_SUP,
    CASE_PAGE_EDIT,
    CASE_PAGE_READ,
    CASE_PAGE_SUP,
    CASE_SEERS,
    EMAIL,
    INTERNAL,
    NO_CASE,
    OWNERS,
    PANEL_POST,
    PARTNERS,
    PROPOSAL_API,
    PROPOSAL_PAGE,
    Q_KE,
    Q_UG,
    REF,
    SHAREABLE,
    SOUGHT,
    STAFF_API_200,
    Check,
    api_get,
    api_post,
    case,
    proposal,
    purpose_then_get,
)
from tests.permissions.matrix import (
    DELEGATED_NAMESPACES,
    PERSONAS,
    PNG,
    Call,
    build_world,
    call,
    parse_expect,
    url_names,
)
from tests.permissions.tables import table_modules

pytestmark = pytest.mark.django_db

TABLE: dict[str, list[Check]] = {
    # --- sign-in, language, health, API documentation -----------------------------------
    "login": [Check(Call(), "anon=200 nobody=302 cw=302 sup=302 adm=302 aud=302 out=302 ps=302 pf=302")],
    "logout": [Check(Call(method="POST"), " ".join(f"{p}=302" for p in PERSONAS))],
    "otp-verify": [Check(Call(), "anon=302 nobody=200 cw=200 sup=200 adm=200 aud=200 out=200 ps=200 pf=200")],
    "set_language": [Check(Call(method="POST", data=lambda w: {"language": "nl"}),
                           " ".join(f"{p}=302" for p in PERSONAS))],
    "healthz": [Check(Call(), " ".join(f"{p}=200" for p in PERSONAS), note="liveness: no data")],
    "api-schema": [Check(Call(), " ".join(f"{p}=200" for p in PERSONAS), absent={PERSONAS: (SOUGHT, EMAIL)},
                         note="the API's shape only, no data")],
    "api-docs": [Check(Call(), " ".join(f"{p}=200" for p in PERSONAS))],
    "api-redoc": [Check(Call(), " ".join(f"{p}=200" for p in PERSONAS))],
    "api-token": [Check(api_post(lambda w: []), " ".join(f"{p}=400" for p in PERSONAS),
                        note="a token only for a username and its password")],
    "api-root": [Check(api_get(), "anon=403 nobody=403 cw=200 sup=200 adm=200 aud=200 out=200 ps=200 pf=200",
                       note="DRF's router root keeps session-first authentication: 403, not 401")],
    "admin:index": [Check(Call(), "anon=302 nobody=403 cw=403 sup=403 adm=200 aud=403 out=403 ps=403 pf=403",
                          note=f"every other admin URL: {DELEGATED_NAMESPACES['admin']}")],
    # --- caseworker pages ------------------------------------------------------------------
    "cases:dashboard": [Check(Call(), ALL_STAFF_200)],
    "cases:list": [Check(Call(), ALL_STAFF_200, present={CASE_SEERS: (REF, SOUGHT)}, absent={NO_CASE: (REF,)})],
    "cases:search": [
        Check(Call(), ALL_STAFF_200),
        Check(Call(method="POST", data=lambda w: {"q": "Mohammed Hassan"}), ALL_STAFF_200,
              present={("cw", "sup", "ps", "pf"): (REF,)}, absent={NO_CASE: (REF,)}),
    ],
    "cases:new": [Check(Call(), "anon=302 nobody=302 cw=200 sup=200 adm=403 aud=403 out=200 ps=200 pf=200",
                        note="any caseworker opens cases in their own office")],
    "cases:detail": [Check(purpose_then_get(case), CASE_PAGE_READ,
                           present={CASE_SEERS: (SOUGHT, REF), ("cw", "sup", "aud", "pf"): (EMAIL,),
                                    OWNERS: (INTERNAL,)},
                           absent={("ps",): (EMAIL,), PARTNERS: (INTERNAL,)})],
    "cases:edit": [Check(Call(args=case), CASE_PAGE_EDIT)],
    "cases:assign": [Check(Call(args=case), CASE_PAGE_SUP)],
    "cases:transition": [
        Check(Call(method="POST", args=lambda w: [w.case.pk, "request_consent"],
                   data=lambda w: {"request_consent-expected_version": w.case.version}),
              "anon=302 nobody=302 cw=302 sup=302 adm=404 aud=403 out=404 ps=403 pf=403"),
    ],
    "cases:person_new": [Check(Call(args=case), CASE_PAGE_EDIT)],
    "cases:note_new": [Check(Call(args=case), "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=403 out=404 "
                                              "ps=302 pf=302",
                             note="partners may add (shareable) notes, after giving a purpose on the case page")],
    "cases:attachment_new": [Check(Call(args=case), CASE_PAGE_EDIT)],
    "cases:consent_new": [Check(Call(args=case), CASE_PAGE_EDIT)],
    "cases:person_edit": [Check(Call(args=lambda w: [w.sought.pk]), CASE_PAGE_EDIT)],
    "cases:person_erase": [Check(Call(args=lambda w: [w.sought.pk]), CASE_PAGE_SUP)],
    "cases:attachment": [
        Check(Call(args=lambda w: [w.case.pk, w.attachment_internal.pk]),
              "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=200 out=404 ps=404 pf=404"),
        Check(Call(args=lambda w: [w.case.pk, w.attachment_shareable.pk]), CASE_PAGE_READ),
    ],
    # --- cases API -------------------------------------------------------------------------
    "case-list": [
        Check(api_get(), STAFF_API_200, present={CASE_SEERS: (REF,)}, absent={NO_CASE: (REF,)}),
        Check(api_post(lambda w: [], lambda w: sample_case_data()),
              "anon=401 nobody=403 cw=201 sup=201 adm=403 aud=403 out=201 ps=201 pf=201"),
    ],
    "case-detail": [
        Check(api_get(case), CASE_API_READ,
              present={CASE_SEERS: (SOUGHT,), ("cw", "sup", "aud", "pf"): (EMAIL,)}, absent={("ps",): (EMAIL,)}),
        Check(Call(method="PATCH", args=case, api=True,
                   data=lambda w: {"version": w.case.version, "separation_place": "Mogadishu"}), CASE_API_EDIT),
    ],
    "case-transitions": [
        Check(api_get(case), CASE_API_READ),
        Check(api_post(case, lambda w: {"transition": "request_consent", "version": w.case.version}), CASE_API_EDIT),
    ],
    "case-assign": [Check(api_post(case, lambda w: {"assigned_to": w.users["sup"].pk}), CASE_API_SUP)],
    "case-persons": [
        Check(api_get(case), CASE_API_READ, present={("cw", "pf"): (EMAIL,)}, absent={("ps",): (EMAIL,)}),
        Check(api_post(case, lambda w: {"role": "relative", "names": [{"given_names": "Asha", "family_name": "H"}]}),
              CASE_API_CREATE_EDIT),
    ],
    "case-notes": [
        Check(api_get(case), CASE_API_READ, present={CASE_SEERS: (SHAREABLE,), OWNERS: (INTERNAL,)},
              absent={PARTNERS: (INTERNAL,)}),
        Check(api_post(case, lambda w: {"body": "Checked.", "visibility": "internal"}),
              "anon=401 nobody=403 cw=201 sup=201 adm=404 aud=403 out=404 ps=201 pf=201"),
    ],
    "case-attachments": [
        Check(api_get(case), CASE_API_READ, present={OWNERS: ("internal.png", "photo.png"), PARTNERS: ("photo.png",)},
              absent={PARTNERS: ("internal.png",)}),
        Check(api_post(case, lambda w: {"file": SimpleUploadedFile("x.png", PNG, "image/png")}, fmt="multipart"),
              CASE_API_CREATE_EDIT),
    ],
    "case-consents": [
        Check(api_get(case), CASE_API_OWNER_READ),
        Check(api_post(case, lambda w: {"person": str(w.sought.pk), "scope": "alive_only", "source": "phone"}),
              CASE_API_CREATE_EDIT),
    ],
    "case-consent-withdraw": [Check(api_post(lambda w: [w.case.pk, w.consent.pk]), CASE_API_EDIT)],
    "person-detail": [
        Check(api_get(lambda w: [w.enquirer.pk]), CASE_API_READ, present={("cw", "sup", "aud", "pf"): (EMAIL,)},
              absent={("ps",): (EMAIL,)}),
        Check(Call(method="PATCH", args=lambda w: [w.sought.pk], api=True,
                   data=lambda w: {"version": w.case.version, "birth_place": "Kismayo town"}), CASE_API_EDIT),
    ],
    "person-erase": [Check(api_post(lambda w: [w.sought.pk], lambda w: {"reason": "subject_request"}),
                           CASE_API_SUP)],
    "attachment-download": [
        Check(api_get(lambda w: [w.attachment_internal.pk]),
              "anon=401 nobody=403 cw=200 sup=200 adm=404 aud=200 out=404 ps=404 pf=404"),
        Check(api_get(lambda w: [w.attachment_shareable.pk]), CASE_API_READ),
    ],
    # --- network pages (request_search: NL→KE, sent; request_full: NL→UG, accepted) ----
    "network:inbox": [Check(Call(), ALL_STAFF_200, present={CASE_SEERS: (REF,), PARTNERS: (SOUGHT,)},
                            absent={NO_CASE: (REF,)})],
    "network:send": [
        Check(Call(args=case), CASE_PAGE_SUP),
        Check(Call(method="POST", args=case, data=lambda w: {
            "to_office": w.extra["france"].pk, "sought_person": str(w.sought.pk), "question": "Search Lyon.",
            "due_date": w.extra["due"], "share_level": "search"}),
            "anon=302 nobody=302 cw=403 sup=302 adm=404 aud=403 out=404 ps=403 pf=403"),
    ],
    "network:detail": [
        Check(Call(args=lambda w: [w.request_search.pk]),
              "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=200 out=404 ps=200 pf=404",
              present={("cw", "sup", "aud", "ps"): (Q_KE,)}),
        Check(Call(args=lambda w: [w.request_full.pk]),
              "anon=302 nobody=302 cw=200 sup=200 adm=404 aud=200 out=404 ps=404 pf=200",
              present={("cw", "sup", "aud", "pf"): (Q_UG,)}),
    ],
    "network:accept": [Check(Call(method="POST", args=lambda w: [w.request_search.pk]),
                             "anon=302 nobody=302 cw=403 sup=403 adm=404 aud=403 out=404 ps=302 pf=404")],
    "network:decline": [Check(Call(method="POST", args=lambda w: [w.request_search.pk],
                                   data=lambda w: {"reason": "no_capacity"}),
                              "anon=302 nobody=302 cw=403 sup=403 adm=404 aud=403 out=404 ps=302 pf=404")],
    "network:answer": [Check(Call(method="POST", args=lambda w: [w.request_full.pk],
                                  data=lambda w: {"outcome": "not_found", "searched": "Kampala", "answer": "No."}),
                             "anon=302 nobody=302 cw=403 sup=403 adm=404 aud=403 out=404 ps=404 pf=302")],
    "network:close": [Check(Call(method="POST", args=lambda w: [w.request_full.pk]),
                            "anon=302 nobody=302 cw=302 sup=302 adm=404 aud=403 out=404 ps=404 pf=403",
                            note="cw/sup: redirected with 'not possible now' (the request is not answered)")],
    "network:revoke": [Check(Call(method="POST", args=lambda w: [w.request_search.pk]),
                             "anon=302 nobody=302 cw=403 sup=302 adm=404 aud=403 out=404 ps=403 pf=404")],
    # --- network API -------------------------------------------------------------------------
    "network-api-sent": [Check(api_get(), STAFF_API_200, present={OWNERS: (Q_KE, Q_UG)},
                               absent={PARTNERS + NO_CASE: (Q_KE, Q_UG)})],
    "network-api-received": [Check(api_get(), STAFF_API_200, present={("ps",): (Q_KE,), ("pf",): (Q_UG,)},
                                   absent={("ps",): (Q_UG,), ("pf",): (Q_KE,), OWNERS + NO_CASE: (Q_KE, Q_UG)})],
    "network-api-send": [Check(api_post(lambda w: [], lambda w: {
        "case_id": str(w.case.pk), "to_office_id": w.extra["france"].pk, "sought_person_id": str(w.sought.pk),
        "question": "Search Lyon.", "due_date": w.extra["due"], "share_level": "search"}),
        "anon=401 nobody=403 cw=403 sup=201 adm=404 aud=403 out=404 ps=403 pf=403")],
    "network-api-detail": [
        Check(api_get(lambda w: [w.request_search.pk]),
              "anon=401 nobody=403 cw=200 sup=200 adm=404 aud=200 out=404 ps=200 pf=404",
              present={("cw", "sup", "aud", "ps"): (Q_KE, SOUGHT)}),
    ],
    "network-api-accept": [Check(api_post(lambda w: [w.request_search.pk]),
                                 "anon=401 nobody=403 cw=403 sup=403 adm=404 aud=403 out=404 ps=200 pf=404")],
    "network-api-decline": [Check(api_post(lambda w: [w.request_search.pk], lambda w: {"reason": "no_capacity"}),
                                  "anon=401 nobody=403 cw=403 sup=403 adm=404 aud=403 out=404 ps=200 pf=404")],
    "network-api-answer": [Check(api_post(lambda w: [w.request_full.pk], lambda w: {
        "outcome": "not_found", "searched": "Kampala", "answer": "No trace."}),
        "anon=401 nobody=403 cw=403 sup=403 adm=404 aud=403 out=404 ps=404 pf=200")],
    "network-api-close": [Check(api_post(lambda w: [w.request_full.pk]),
                                "anon=401 nobody=403 cw=409 sup=409 adm=404 aud=403 out=404 ps=404 pf=403")],
    "network-api-revoke": [Check(api_post(lambda w: [w.request_search.pk]),
                                 "anon=401 nobody=403 cw=403 sup=200 adm=404 aud=403 out=404 ps=403 pf=404")],
    # --- the auditor workspace: auditors only; for everyone else the whole workspace is a 403,
    # whatever the case or job id (so nothing about an object is revealed either way) ---------
    "audit:events": [Check(Call(), AUDITOR_ONLY, absent={("aud",): (SOUGHT, EMAIL)})],
    "audit:case": [Check(Call(args=case), AUDITOR_ONLY, present={("aud",): (REF,)})],
    "audit:person": [Check(Call(data=lambda w: {"person": str(w.sought.pk)}), AUDITOR_ONLY)],
    "audit:export": [Check(Call(method="POST", data=lambda w: {"format": "csv"}), AUDITOR_ONLY,
                           present={("aud",): ("event_type",)}, absent={("aud",): (SOUGHT, EMAIL, INTERNAL)})],
    "audit:export_status": [Check(Call(args=lambda w: [w.extra["export"].pk]), AUDITOR_ONLY)],
    "audit:export_download": [Check(Call(args=lambda w: [w.extra["export"].pk]), AUDITOR_ONLY,
                                    absent={("aud",): (SOUGHT, EMAIL, INTERNAL)})],
    "audit:verification": [Check(Call(), AUDITOR_ONLY)],
    # --- match proposals: NL's sought person ~ the same person in a KE case. A proposal is
    # visible only to those who see both sides: here the KE partner (ps), who sees both cases.
    "matching:list": [Check(Call(), ALL_STAFF_200)],
    "matching:detail": [Check(Call(args=proposal), PROPOSAL_PAGE.format(ps=200))],
    "matching:confirm": [Check(Call(method="POST", args=proposal, data=lambda w: {"confirm-reason": "details_agree"}),
                               PROPOSAL_PAGE.format(ps=302))],
    "matching:reject": [Check(Call(method="POST", args=proposal,
                                   data=lambda w: {"reject-reason": "different_person"}),
                              PROPOSAL_PAGE.format(ps=302))],
    "matching:case": [Check(Call(args=case), CASE_PAGE_READ)],
    "matching:find": [Check(Call(method="POST", args=case),
                            "anon=302 nobody=302 cw=302 sup=302 adm=404 aud=403 out=404 ps=403 pf=403")],
    "match-proposal-list": [Check(api_get(), STAFF_API_200)],
    "match-proposal-detail": [Check(api_get(proposal), PROPOSAL_API.format(ps=200))],
    "match-proposal-confirm": [Check(api_post(proposal, lambda w: {"reason": "details_agree"}),
                                     PROPOSAL_API.format(ps=200))],
    "match-proposal-reject": [Check(api_post(proposal, lambda w: {"reason": "different_person"}),
                                    PROPOSAL_API.format(ps=200))],
    # --- public pages (enquirer status page, found person's consent page): no staff rights ---
    # Without an access code every visitor, staff or not, is sent to the code sign-in page.
    **{f"public_status:{n}": [Check(Call(method=m), " ".join(f"{p}={code}" for p in PERSONAS))]
       for n, m, code in (("login", "GET", 200), ("home", "GET", 302), ("contact", "POST", 302),
                          ("info", "POST", 302), ("message", "POST", 302), ("logout", "POST", 302))},
    **{f"public_consent:{n}": [Check(Call(method=m), " ".join(f"{p}={code}" for p in PERSONAS))]
       for n, m, code in (("login", "GET", 200), ("home", "GET", 302), ("withdraw", "POST", 302),
                          ("message", "POST", 302), ("logout", "POST", 302))},
    # --- the caseworker panel for those pages (codes, submissions, relayed messages) ----------
    "public_staff:panel": [Check(Call(args=case), CASE_PAGE_EDIT)],
    "public_staff:photo": [Check(Call(args=lambda w: [w.case.pk, w.extra["submission"].pk]), CASE_PAGE_EDIT)],
    "public_staff:enquirer_issue": [Check(Call(method="POST", args=case, data=lambda w: {"channel": "letter"}),
                                          CASE_PAGE_EDIT)],
    "public_staff:found_issue": [Check(Call(method="POST", args=lambda w: [w.case.pk, w.sought.pk],
                                            data=lambda w: {"channel": "letter"}), CASE_PAGE_EDIT)],
    "public_staff:enquirer_revoke": [Check(Call(method="POST", args=case), PANEL_POST)],
    "public_staff:found_revoke": [Check(Call(method="POST", args=lambda w: [w.case.pk, w.sought.pk]), PANEL_POST)],
    "public_staff:submission": [Check(Call(method="POST", args=lambda w: [w.case.pk, w.extra["submission"].pk],
                                           data=lambda w: {"decision": "dismiss"}), PANEL_POST)],
    "public_staff:relay": [Check(Call(method="POST", args=lambda w: [w.case.pk, w.extra["message"].pk],
                                      data=lambda w: {"decision": "approve"}), PANEL_POST)],
}


def _merge_tables() -> None:
    for module in table_modules():
        clash = set(module.ROWS) & set(TABLE)
        if clash:
            raise ValueError(f"{module.__name__} repeats rows of the core table: {sorted(clash)}")
        TABLE.update(module.ROWS)


_merge_tables()


def test_every_url_is_in_the_table() -> None:
    """A view, endpoint or export that nobody put in the table fails here."""
    names = url_names()
    missing = sorted(set(names) - set(TABLE))
    assert not missing, "URLs with no row in the permission matrix: " + ", ".join(
        f"{n} ({names[n]})" for n in missing)
    stale = sorted(set(TABLE) - set(names))
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_every_expectation_names_every_persona() -> None:
    for name, checks in TABLE.items():
        for check in checks:
            parse_expect(check.expect)
            for group in (*check.present, *check.absent):
                assert set(group) <= set(PERSONAS), name


def _params() -> list[Any]:
    params = []
    for name in sorted(TABLE):
        bugs = [c.known_bug for c in TABLE[name] if c.known_bug]
        marks = [pytest.mark.xfail(strict=True, reason=bugs[0])] if bugs else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _params())
def test_matrix(name: str, personas: Any) -> None:
    world = build_world(personas)
    for module in table_modules():
        extend = getattr(module, "extend_world", None)
        if extend is not None:
            extend(world)
    problems = []
    for index, check in enumerate(TABLE[name]):
        expect = parse_expect(check.expect)
        markers = {"ref": world.case.reference}
        for persona in PERSONAS:
            outcome = call(world, persona, name, check.call)
            where = f"{name}[{index}] {check.call.method} as {persona}"
            if outcome.status != expect[persona]:
                problems.append(f"{where}: {outcome.status} (expected {expect[persona]}) {outcome.location}")
                continue
            for group, texts in check.present.items():
                for text in texts if persona in group else ():
                    if text.format(**markers) not in outcome.body:
                        problems.append(f"{where}: {text!r} missing")
            for group, texts in check.absent.items():
                for text in texts if persona in group else ():
                    if text.format(**markers) in outcome.body:
                        problems.append(f"{where}: {text!r} shown")
    assert not problems, "\n".join(problems)
