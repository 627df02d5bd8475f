"""The read access log: who read which records of personal data, when, and why.

Access events share the one hash chain with domain events (event_type `access.<kind>`), so
they are exactly as tamper-evident, are covered by the same checkpoints, and a reader cannot
be hidden by reordering reads against changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.events import record_event
from audit.models import AuditEvent
from tracing.crypto.blind import INDEXES


class AccessKind(models.TextChoices):
    VIEW = "view", _("Viewed a case or person")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    API_READ = "api_read", _("Read through the API")
    AUDITOR_VIEW = "auditor_view", _("Viewed by an auditor")


class Purpose(models.TextChoices):
    """Why a user opens a case that is not their own work; offered by the UI, stored as is."""

    ASSIGNED_WORK = "assigned_work", _("My assigned work")
    SUPERVISION = "supervision", _("Supervision or quality review")
    PARTNER_REQUEST = "partner_request", _("Request from a partner office")
    AUDIT = "audit", _("Audit")
    DATA_SUBJECT_REQUEST = "data_subject_request", _("Request of the data subject")
    OTHER = "other", _("Other (explained in the case notes)")


# "<index>:<hex>" as made by tracing.crypto.blind.term: anything else could be plaintext.
_TERM = re.compile(r"^(?P<index>[a-z_]+):(?P<hex>[0-9a-f]+)$")


def check_blind_term(value: str) -> str:
    """Return the term if it has the exact shape of a blind-index term, else raise ValueError."""
    match = _TERM.match(value)
    spec = INDEXES.get(match["index"]) if match else None
    if spec is None or len(match["hex"]) != (spec.bits + 7) // 8 * 2:
        raise ValueError("search terms must be blind-index terms '<index>:<hex>', never plaintext")
    return value


def log_access(
    *,
    user: Any,
    kind: str,
    case_ids: Iterable[Any] = (),
    person_ids: Iterable[Any] = (),
    purpose: str = "",
    terms: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    office: Any | None = None,
) -> AuditEvent:
    """Record that `user` read personal data, in the caller's transaction.

    `kind` is an AccessKind and `purpose` empty or a Purpose. `terms` are blind-index terms
    of a search, each '<index>:<hex>' (tracing.crypto.blind.term); any other shape is
    refused, so a plaintext name can never be logged as a term. `detail` holds non-personal
    extras (result count, export format). `office` is the office owning the records when
    known; the reader's own office (user.staff.office) is stored as actor_office.
    """
    kind = AccessKind(kind).value
    if purpose:
        purpose = Purpose(purpose).value
    clean_terms = sorted({check_blind_term(t) for t in terms})
    if clean_terms and kind != AccessKind.SEARCH:
        raise ValueError("terms are only logged for searches")
    case_list = [str(c) for c in dict.fromkeys(case_ids)]
    data: dict[str, Any] = {"kind": kind, "purpose": purpose, "case_ids": case_list}
    if clean_terms:
        data["terms"] = clean_terms
    if detail:
        data["detail"] = detail
    return record_event(
        event_type=f"access.{kind}",
        actor=user,
        office=office,
        # The column holds a single case; all of them are in data["case_ids"].
        case_id=case_list[0] if len(case_list) == 1 else None,
        person_ids=person_ids,
        data=data,
    )
