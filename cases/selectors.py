"""Reads of cases that leave the app. Every one starts from the permission policy's querysets,
decrypts only what is shown, and logs reads of personal data in the audit trail."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from audit.access import log_access
from cases.access import access_case
from cases.models import Case, Person, PersonName, PersonPlace, PersonRole, PersonSearchTerm
from matching.keys import person_index_values, query_index_values
from tracing.crypto import blind
from tracing.permissions import Level, actor_for, case_level, person_fields, search_term_scope, visible

LIST_PERSON_FIELDS = ("id", "case_id", "role", "data_key", "display_name", "erased_at")


def case_list(
    *, user: Any, state: str | None = None, assigned_to_me: bool = False, priority: int | None = None,
    overdue: bool = False, reference: str | None = None, case_ids: list[Any] | None = None,
) -> QuerySet[Case]:
    """Cases the user may see, with sought persons prefetched (only their display name)."""
    # Registers (received lists, Case.kind "register") are listed under /exchange/, not here.
    qs = visible(user, Case).filter(kind="tracing").select_related("office", "assigned_to")
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


#: Lists count exactly up to this many rows and say "more than 1000" beyond.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows (or up to the requested page, if further).

    An exact `COUNT(*)` of a large office's cases is a sequential scan (the visibility filter
    `office = X OR shared` keeps PostgreSQL off the indexes): 45 ms at 100,000 cases, on every
    page view. Counting `LIMIT cap + 1` rows stops early. Beyond the cap, `capped` is true,
    `count` is one more than the rows counted (so there is always a next page to go to) and
    the page shows "more than N"; paging on raises the limit with the page number.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None = None, page: Any = None) -> None:
        super().__init__(object_list, per_page)
        cap = COUNT_CAP if cap is None else cap
        try:
            wanted = max(1, int(page))
        except (TypeError, ValueError):
            wanted = 1
        self.limit = max(cap, wanted * per_page)
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by().values("pk")[: self.limit + 1].count()
        self.capped = counted > self.limit
        return counted

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        # The last page of a capped count is not the last page of the list: keep it full.
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:bottom + self.per_page], number, self)


def log_list_read(*, user: Any, cases: list[Case], kind: str = "view") -> None:
    """A list shows names: log which cases' persons were shown."""
    if cases:
        log_access(user=user, kind=kind, case_ids=[c.id for c in cases],
                   person_ids=[p.id for c in cases for p in getattr(c, "sought_persons", [])],
                   detail={"rows": len(cases)})


def state_counts(*, user: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = visible(user, Case).filter(kind="tracing").values("state").annotate(n=Count("pk")).order_by()
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


def person_search(*, user: Any, query: str, limit: int = 50, candidates: int = 150) -> list[SearchHit]:
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
    # Terms first (the (term, index) index), visibility second on the few cases they name:
    # joining the terms to `visible(Case)` made PostgreSQL hash every person and case of the
    # office (0.8 s at 100,000 cases) because the `own office OR shared` rule defeats indexes.
    rows = (
        PersonSearchTerm.objects.filter(term_q).filter(search_term_scope(user)).values_list("person_id", "index")
    )
    score: Counter = Counter()
    for person_id, index in rows[: candidates * 25]:
        score[person_id] += 3 if index in ("full_name", "phone") else (2 if index == "token" else 1)
    top = [pid for pid, _n in score.most_common(candidates * 3)]
    case_of = dict(Person.objects.filter(pk__in=top).values_list("pk", "case_id"))
    seen_cases = set(visible(user, Case).filter(pk__in=set(case_of.values())).values_list("pk", flat=True))
    ranked = [pid for pid in top if case_of.get(pid) in seen_cases][:candidates]
    persons = (
        Person.objects.filter(pk__in=ranked, erased_at__isnull=True)
        .select_related("data_key", "case", "case__office")
        # Each name row is sealed with a data key: join it, or every name fetches its key
        # (400 extra queries for 400 candidates, most of a 100,000-case search).
        .prefetch_related(Prefetch("names", queryset=PersonName.objects.select_related("data_key")))
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


def case_detail(*, user: Any, case_id: Any, purpose: str = "", kind: str = "view",
                case: Case | None = None) -> CaseDetail:
    """One case with the persons the viewer may see, and the read logged.

    `case` may be given only as `access_case(user, case_id)` returned it in this request
    (the web view has just fetched it for the purpose prompt): it saves fetching it twice.
    """
    if case is None or case.pk != case_id:
        case = access_case(user, case_id)
    level = case_level(user, case)
    persons = []
    # Names and places are sealed with their own data key: join it, or each row fetches it.
    names = Prefetch("names", queryset=PersonName.objects.select_related("data_key"))
    places = Prefetch("places", queryset=PersonPlace.objects.select_related("data_key"))
    for person in case.persons.select_related("data_key").prefetch_related(names, places):
        allowed = person_fields(level, person.role)
        if allowed:
            persons.append((person, allowed))
    log_access(user=user, kind=kind, case_ids=[case.id], person_ids=[p.id for p, _a in persons],
               purpose=purpose, office=case.office)
    return CaseDetail(case=case, level=level, persons=persons)
