"""The record of processing (GDPR art. 30), generated from the code: `manage.py record_of_processing`.

Categories of personal data are the encrypted fields of each model (tracing.crypto.fields
registers every one); purposes, data subjects and special categories are declared here next
to the model labels; recipients come from the share levels of the permission policy;
retention from privacy (rules and holds); security measures from the settings. The output is
deterministic (no dates, nothing from the database), so a test can check that the committed
docs/record-of-processing.md is up to date, as `makemigrations --check` does for migrations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from privacy.actions import GRACE_DAYS, REPORT_VALID_DAYS
from privacy.models import HoldReason, reason_choices
from tracing.crypto.fields import ENCRYPTED_MODELS

OUTPUT = Path(settings.BASE_DIR) / "docs" / "record-of-processing.md"


@dataclass(frozen=True)
class Processing:
    purpose: str
    subjects: str
    #: Fields that may hold special categories of data (art. 9) or data about children, and why.
    special: dict[str, str] = field(default_factory=dict)
    personal: bool = True  # False: encrypted secrets of the service, no personal data


TRACING = "Restoring contact between family members separated by conflict, disaster or migration"
PROCESSING: dict[str, Processing] = {
    "cases.Person": Processing(
        TRACING, "enquirers, sought persons, other relatives (adults and minors)",
        {"description": "physical description, health or distinguishing marks",
         "languages": "may reveal ethnic origin", "nationality": "may reveal ethnic origin",
         "birth_date": "identifies minors (`is_minor`)"}),
    "cases.PersonName": Processing(TRACING, "the persons of a case (all their names and transliterations)"),
    "cases.PersonMatchRecord": Processing(TRACING + " (finding the same person across offices)",
                                          "the persons of a case (what matching compares, as one sealed value)",
                                          {"record": "a copy of names, birth date, places, parents' names and "
                                                     "phone; deleted with the person's erasure"}),
    "cases.PersonPlace": Processing(TRACING, "the persons of a case (last known places)",
                                    {"place": "may reveal detention or a camp, i.e. a vulnerable situation"}),
    "cases.Case": Processing(
        TRACING, "the persons of a case",
        {"separation_circumstances": "may reveal political opinions, ethnic origin, health or violence",
         "separation_place": "may reveal detention"}),
    "cases.Note": Processing(TRACING + "; documenting the work done",
                             "the persons of a case; staff (authors)",
                             {"body": "free text: may hold any special category"}),
    "cases.Attachment": Processing(TRACING + " (documents and photographs)", "the persons of a case",
                                   {"filename": "the files themselves: photographs, identity documents"}),
    "cases.Disclosure": Processing("Accountability for what was told to the enquirer, on which consent",
                                   "found persons (what was disclosed about them)"),
    "tracing.OutboxMessage": Processing("Notifications to enquirers and staff", "enquirers; staff"),
    "tracing.TracingRequest": Processing("Asking a partner office to search (inter-office request)",
                                         "sought persons", {"question": "free text: may hold any special category"}),
    "tracing.EnquirerSubmission": Processing("Information and photographs an enquirer sends through the status page",
                                             "enquirers; the persons they describe",
                                             {"photo": "photographs of persons"}),
    "tracing.RelayMessage": Processing("Relaying messages between a found person and the enquirer without an address",
                                       "found persons; enquirers", {"body": "free text"}),
    "matching.MatchProposal": Processing("Proposing that two records describe the same person (duplicate or match)",
                                         "the persons of the matched cases"),
    "partners.PartnerKey": Processing("Authenticating partner systems", "none", personal=False),
    "partners.WebhookSubscription": Processing("Notifying partner systems", "none", personal=False),
    "partners.IdempotencyRecord": Processing("Answering a repeated partner request identically",
                                             "the persons in the partner's request"),
}


def encrypted_models() -> list[tuple[str, list[str], str]]:
    """(model label, encrypted fields, verbose name) of every live model; history rows are
    copies under the same key and are covered by their source model."""
    rows = []
    for model, names in ENCRYPTED_MODELS.items():
        if model.__name__.startswith("Historical"):
            continue
        rows.append((model._meta.label, sorted(names), str(model._meta.verbose_name)))
    return sorted(rows)


def _recipients() -> list[str]:
    from tracing.permissions import Level, person_fields

    def fields(level: int, role: str) -> str:
        return ", ".join(sorted(person_fields(level, role))) or "nothing"

    return [
        "Staff of the office that owns the case (caseworkers: assigned or all office cases as the office "
        "decides; supervisors; auditors read-only). Office administrators see no case content.",
        "Partner offices of the network, only for a case shared with them through a tracing request "
        "(`tracing/network/`), while the share lasts, at the level the owning supervisor chose:",
        f"  - SEARCH share: sought person: {fields(Level.SEARCH, 'sought')}; enquirer: "
        f"{fields(Level.SEARCH, 'enquirer')}; other relatives: {fields(Level.SEARCH, 'relative')}; "
        "notes and attachments marked shareable.",
        f"  - FULL share: sought person: {fields(Level.FULL, 'sought')}; enquirer: {fields(Level.FULL, 'enquirer')}; "
        f"other relatives: {fields(Level.FULL, 'relative')}; notes and attachments marked shareable.",
        "The enquirer: only what the found person consented to (`cases.Disclosure`, consent scopes).",
        "Partner systems (API, `partners/`) and exchange files (`exchange/`): as configured per partner.",
    ]


def _retention() -> list[str]:
    reasons = ", ".join(f"`{value}`" for value, _label in reason_choices())
    holds = ", ".join(f"`{v}`" for v in HoldReason.values)
    return [
        "Per office, by closure reason (`privacy.RetentionRule`, edited by the office administrator): "
        f"erase the personal data of a closed case N years after closure. Reasons: {reasons} "
        "(a rule for the exact reason wins over the office's `any` rule). An office without a rule keeps "
        "its closed cases until it configures one.",
        f"Open cases are never erased by retention. A legal hold ({holds}) stops erasure until released.",
        f"Nightly (03:30): a dry run lists the due cases (ids only) and notifies supervisors and office "
        f"administrators; a case is erased only if a dry run at least {GRACE_DAYS} day(s) earlier (and within "
        f"{REPORT_VALID_DAYS} days) listed it and it is still due.",
        "Erasure = crypto-shredding: the data keys of the case and of each person are destroyed; history rows "
        "and backups of them can no longer be opened. Data subjects may also ask for erasure (DSAR).",
        "The audit trail (no plaintext personal data: ids, event types, field names) is kept without limit.",
    ]


def _security() -> list[str]:
    csp = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    return [
        "Encryption at rest: every field listed above is sealed with AES-256-GCM under a per-person or "
        "per-case data key, wrapped by key-encryption keys kept outside the database (docs/encryption.md); "
        "search through truncated keyed-hash blind indexes.",
        "Access control: one permission policy (`tracing/permissions.py`), least privilege per role and share "
        "level; an invisible case is a 404 (docs/permissions.md).",
        "Accountability: a hash-chained, append-only audit trail of every change and every read of personal "
        "data, with signed checkpoints (docs/audit.md).",
        f"Authentication: TOTP two-factor for supervisors, office administrators and auditors "
        f"(`TRACING_REQUIRE_OTP`, on in production); login lockout after {settings.AXES_FAILURE_LIMIT} failures; "
        f"Argon2 password hashing in production; sessions end after {settings.SESSION_COOKIE_AGE // 3600} idle hours.",
        f"Browser: Content-Security-Policy `default-src {' '.join(csp.get('default-src', []))}`, "
        f"`script-src {' '.join(csp.get('script-src', []))}` (no inline script); HTTPS and secure cookies "
        "enforced in production (`refuse_insecure_production`).",
    ]


def render() -> str:
    """The record as Markdown (deterministic)."""
    out = [
        "# Record of processing activities",
        "",
        "Generated by `python manage.py record_of_processing` from the models (`privacy/register.py`). "
        "Do not edit by hand: change the code and regenerate; `tests/privacy/test_record.py` fails when "
        "this file is out of date.",
        "",
        "Controller: the national office that owns each case (network of family tracing offices).",
        "",
        "## Categories of personal data (encrypted fields per model)",
        "",
        "| Model | Purpose | Data subjects | Personal data (encrypted fields) | Special categories / children |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, names, _verbose in encrypted_models():
        p = PROCESSING.get(label)
        if p is None:
            out.append(f"| `{label}` | **not declared: add it to `privacy/register.py`** | | "
                       f"{', '.join(names)} | |")
            continue
        special = "; ".join(f"`{k}`: {v}" for k, v in sorted(p.special.items())) or "—"
        data = ", ".join(names) if p.personal else f"{', '.join(names)} (secrets, no personal data)"
        out.append(f"| `{label}` | {p.purpose} | {p.subjects} | {data} | {special} |")
    out += ["", "Also kept, not encrypted: case references, states, dates, roles and relationships, "
            "consent scopes; staff accounts (username, email, office, role). Blind-index terms "
            "(`cases.PersonSearchTerm`) are keyed hashes of names and phone numbers.", ""]
    for title, lines in (("Recipients", _recipients()), ("Retention", _retention()),
                         ("Security measures", _security())):
        out += [f"## {title}", ""] + [line if line.startswith("  ") else f"- {line}" for line in lines] + [""]
    return "\n".join(out)


def render_configured() -> str:
    """An appendix from this database (not committed): the offices that may receive shared cases
    and each office's configured retention rules. For the office's own copy of the record."""
    from privacy.models import RetentionRule
    from tracing.models import Office

    out = ["## Appendix: this installation", "", "### Offices of the network (possible recipients of shared cases)", ""]
    out += [f"- {o.code} {o.name} ({o.country})" for o in Office.objects.order_by("code")] or ["- none"]
    out += ["", "### Configured retention rules", ""]
    rules = RetentionRule.objects.select_related("office").order_by("office__code", "closure_reason")
    out += [f"- {r.office.code}: {r.closure_reason}: erase {r.years} years after closure" for r in rules] or [
        "- none (closed cases are kept)"]
    return "\n".join(out) + "\n"
