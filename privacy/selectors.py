"""Reads of the privacy app: the data subject access document, holds and runs for the page.

What the export contains, and what it leaves out on purpose (docs/privacy.md):
- the person's own fields, names and places (decrypted), their consents, what was disclosed
  about them, their attachments' descriptions (not the files: those are handed over on paper
  or separately, after review);
- the case they appear in: reference, office, state, closure reason and dates, their role and
  relationship. NOT the enquirer's or any other person's name or details: a sought person may
  not know who is looking for them, and that is only disclosed through the consent procedure;
- who read their data (access events naming them or their case: who, office, when, purpose)
  and the audit events naming them (type, who, when). Staff usernames are included: they are
  the "recipients" of the data inside the network.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import json_list_contains
from cases.models import Case, Person
from privacy.models import LegalHold, RetentionRun
from tracing.permissions import visible

DSAR_FORMAT = "family-tracing-dsar/1"
PERSON_EXPORT_FIELDS = ("sex", "birth_date", "birth_place", "nationality", "father_name", "mother_name",
                        "phone", "email", "address", "description", "languages")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool, list, dict)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _person_part(person: Person) -> dict[str, Any]:
    part: dict[str, Any] = {
        "id": str(person.id), "role": person.role, "relationship": person.relationship,
        "is_minor": person.is_minor, "created_at": _plain(person.created_at), "erased_at": _plain(person.erased_at),
    }
    if person.erased_at:
        return part  # the key is destroyed: nothing personal is left to give
    part["display_name"] = person.display_name
    part["fields"] = {name: _plain(getattr(person, name)) for name in PERSON_EXPORT_FIELDS}
    part["names"] = [{"kind": n.kind, "script": n.script, "given_names": n.given_names,
                      "family_name": n.family_name} for n in person.names.all()]
    part["places"] = [{"place": p.place, "country": p.country, "date": _plain(p.date)} for p in person.places.all()]
    part["attachments"] = [{"filename": a.filename, "description": a.description, "content_type": a.content_type,
                            "size": a.size, "created_at": _plain(a.created_at)} for a in person.attachments.all()]
    return part


def _case_part(person: Person) -> dict[str, Any]:
    case = person.case
    return {
        "reference": case.reference, "office": case.office.code, "role": person.role,
        "relationship": person.relationship, "state": case.state, "closure_reason": case.state_reason,
        "opened_at": _plain(case.created_at), "closed_at": _plain(case.closed_at),
    }


def person_events(person: Person) -> QuerySet[AuditEvent]:
    """Events naming the person, and reads of the case they appear in (a case page shows them)."""
    using = AuditEvent.objects.db
    pid, cid = str(person.id), str(person.case_id)
    reads_of_case = Q(event_type__startswith="access.") & (
        Q(case_id=cid) | json_list_contains("data__case_ids", cid, using=using))
    return AuditEvent.objects.filter(json_list_contains("person_ids", pid, using=using) | reads_of_case).order_by("seq")


def dsar_document(person: Person, *, acting_user: Any) -> dict[str, Any]:
    """The export of one person (see the module docstring for what is in and out)."""
    access_log, events = [], []
    for event in person_events(person).select_related("actor_office"):
        who = {"when": _plain(event.occurred_at), "who": event.actor_username or "system",
               "office": event.actor_office.code if event.actor_office else ""}
        if event.event_type.startswith("access."):
            access_log.append({**who, "kind": event.data.get("kind", ""), "purpose": event.data.get("purpose", "")})
        else:
            events.append({**who, "event": event.event_type})
    disclosures = [] if person.erased_at else [
        {"kind": d.kind, "what_was_told": d.content, "disclosed_at": _plain(d.disclosed_at)}
        for d in person.disclosures.select_related("data_key").all()
    ]
    return {
        "format": DSAR_FORMAT,
        "generated_at": _plain(timezone.now()),
        "generated_by": acting_user.get_username(),
        "controller_office": person.case.office.code,
        "person": _person_part(person),
        "cases": [_case_part(person)],
        "consents": [{"scope": c.scope, "source": c.source, "given_on": _plain(c.given_on),
                      "withdrawn_at": _plain(c.withdrawn_at)} for c in person.consents.all()],
        "disclosures": disclosures,
        "access_log": access_log,
        "readers": _readers(access_log),
        "events": events,
        "withheld": "Other persons' data (the enquirer and relatives) is not included.",
    }


def _readers(access_log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who read the data, once per user and office: reads, first and last (ISO times sort)."""
    by_reader: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in access_log:
        row = by_reader.setdefault((entry["who"], entry["office"]), {
            "who": entry["who"], "office": entry["office"], "reads": 0, "first": entry["when"], "last": entry["when"]})
        row["reads"] += 1
        row["last"] = entry["when"]  # the log is in chain order, oldest first
    return sorted(by_reader.values(), key=lambda r: r["last"], reverse=True)


def holds_for(user: Any, *, active_only: bool = True) -> QuerySet[LegalHold]:
    qs = LegalHold.objects.filter(case__in=visible(user, Case).values("pk")).select_related("case", "set_by")
    return qs.filter(released_at__isnull=True) if active_only else qs


def runs_for_office(office_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Recent runs with the counts and references of this office's cases only."""
    runs = list(RetentionRun.objects.order_by("-started_at")[:limit])
    ids = {cid for run in runs for cid in run.case_ids}
    refs = dict(Case.objects.filter(pk__in=ids, office_id=office_id).values_list("pk", "reference"))
    refs = {str(k): v for k, v in refs.items()}
    return [{"run": run, "references": sorted(refs[c] for c in run.case_ids if c in refs)} for run in runs]
