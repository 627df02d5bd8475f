"""Reads of cases that leave the app. Every one starts from the permission policy's querysets,
decrypts only what is shown, and logs reads of personal data in the audit trail."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from audit.access import log_access
from cases.access import access_case
from cases.models import Case, Person, PersonRole, PersonSearchTerm
from matching.keys import person_index_values, query_index_values
from tracing.crypto import blind
from tracing.permissions import Level, actor_for, case_level, person_fields, visible

LIST_PERSON_FIELDS = ("id", "case_id", "role", "data_key", "display_name", "erased_at")


def case_list(
    *, user: Any, state: str | None = None, assigned_to_me: bool = False, priority: int | None = None,
    overdue: bool = False, reference: str | None = None, case_ids: list[Any] | None = None,
) -> QuerySet[Case]:
    """Cases the user may see, with sought persons prefetched (only their display name)."""
    qs = visible(user, Case).select_related("office", "assigned_to")
    if state:
        qs = qs.filter(state=state)
    if assigned_to_me:
        qs = qs.filter(assigned_to_id=user.pk)
    if priority:
        qs = qs.filter(priority=priority)
    if overdue:
        qs = qs.filter(due_at__lt=timezone.now()).exclude(state="closed")
    if reference:
        qs = qs.filter(reference__icontains=reference.strip())
    if case_ids is not None:
        qs = qs.filter(pk__in=case_ids)
    sought = Person.objects.filter(role=PersonRole.SOUGHT).select_related("data_key").only(*LIST_PERSON_FIELDS)
    return qs.prefetch_related(Prefetch("persons", queryset=sought, to_attr="sought_persons"))


def log_list_read(*, user: Any, cases: list[Case], kind: str = "view") -> None:
    """A list shows names: log which cases' persons were shown."""
    if cases:
        log_access(user=user, kind=kind, case_ids=[c.id for c in cases],
                   person_ids=[p.id for c in cases for p in getattr(c, "sought_persons", [])],
                   detail={"rows": len(cases)})


def state_counts(*, user: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = visible(user, Case).values("state").annotate(n=Count("pk")).order_by()
    return {r["state"]: r["n"] for r in rows}


@dataclass
class SearchHit:
    person: Person
    case: Case
    matched: list[str] = field(default_factory=list)


def _query_terms(values: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """(index, term) for every active index key version, mapped to the index name."""
    terms: dict[tuple[str, str], str] = {}
    for version in blind.active_versions():
        for index, items in values.items():
            if index == "year_token":
                continue
            for item in items:
                terms[(index, blind.term(index, item, version=version))] = index
    return terms


def person_search(*, user: Any, query: str, limit: int = 50, candidates: int = 400) -> list[SearchHit]:
    """Find persons by name (any script, spelling, order) or phone, among visible cases only.

    Blind-index terms select candidates; the candidates are decrypted and every false
    positive (a truncation collision) is dropped before anything is returned.
    """
    query = (query or "").strip()
    if len(query) < 2 or actor_for(user) is None:
        return []
    wanted = query_index_values(query)
    terms = _query_terms(wanted)
    if not terms:
        return []
    term_q = Q()
    for (index, term) in terms:
        term_q |= Q(index=index, term=term)
    rows = (
        PersonSearchTerm.objects.filter(term_q, person__case__in=visible(user, Case).values("pk"))
        .values_list("person_id", "index")
    )
    score: Counter = Counter()
    for person_id, index in rows[: candidates * 8]:
        score[person_id] += 3 if index in ("full_name", "phone") else (2 if index == "token" else 1)
    ranked = [pid for pid, _n in score.most_common(candidates)]
    persons = (
        Person.objects.filter(pk__in=ranked, erased_at__isnull=True)
        .select_related("data_key", "case", "case__office")
        .prefetch_related("names")
    )
    hits: list[SearchHit] = []
    for person in persons:
        level = case_level(user, person.case)
        if "names" not in person_fields(level, person.role):
            continue  # e.g. a relative on a search-level share: not searchable by that office
        have = person_index_values(
            names=[n.full for n in person.names.all()] + [person.display_name],
            phones=[person.phone] if ("phone" in wanted and level >= Level.FULL and person.phone) else [],
        )
        matched = sorted(ix for ix, items in wanted.items() if ix != "year_token" and items & have.get(ix, set()))
        if matched:
            hits.append(SearchHit(person=person, case=person.case, matched=matched))
    hits.sort(key=lambda h: -score[h.person.pk])
    hits = hits[:limit]
    log_access(
        user=user, kind="search", case_ids=[h.case.id for h in hits], person_ids=[h.person.id for h in hits],
        terms=sorted(f"{ix}:{t}" for (ix, t) in terms), detail={"results": len(hits)},
    )
    return hits


@dataclass
class CaseDetail:
    case: Case
    level: int
    persons: list[tuple[Person, frozenset[str]]]

    def fields_for(self, person: Person) -> frozenset[str]:
        return person_fields(self.level, person.role)


def needs_purpose(user: Any, case: Case) -> bool:
    """Opening a case of another caseworker or another office asks for a purpose."""
    actor = actor_for(user)
    if actor is None:
        return True
    return case.office_id != actor.office_id or (case.assigned_to_id not in (None, user.pk)
                                                 and actor.role == "caseworker")


def case_detail(*, user: Any, case_id: Any, purpose: str = "", kind: str = "view") -> CaseDetail:
    """One case with the persons the viewer may see, and the read logged."""
    case = access_case(user, case_id)
    level = case_level(user, case)
    persons = []
    for person in case.persons.select_related("data_key").prefetch_related("names", "places"):
        allowed = person_fields(level, person.role)
        if allowed:
            persons.append((person, allowed))
    log_access(user=user, kind=kind, case_ids=[case.id], person_ids=[p.id for p, _a in persons],
               purpose=purpose, office=case.office)
    return CaseDetail(case=case, level=level, persons=persons)
