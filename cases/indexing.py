"""Keeping a person's blind-index terms and match record in step with their (encrypted)
names, places and details, and rebuilding every person's terms under a new index key
version (rotate_keys --index)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from cases.models import Person, PersonMatchRecord, PersonName, PersonPlace, PersonSearchTerm
from matching.keys import person_index_values
from matching.records_db import load_for_records, stored_values
from tracing.crypto import blind


def person_index_names(person: Person) -> list[str]:
    """Every name the person is indexed under: its recorded names and its display name."""
    names = [n.full for n in person.names.all()]
    if person.display_name:
        names.append(person.display_name)
    return names


def person_index_terms(person: Person, *, version: str | None = None) -> list[PersonSearchTerm]:
    names = person_index_names(person)
    birth_year = person.birth_date.year if person.birth_date else None
    values = person_index_values(names=names, birth_year=birth_year, phones=[person.phone] if person.phone else [])
    version = version or blind.active_versions()[0]
    terms = set()
    for index, items in values.items():
        for item in items:
            terms.add((index, blind.term(index, item, version=version)))
    return [
        PersonSearchTerm(person=person, office_id=person.case.office_id, index=i, term=t, key_version=version)
        for i, t in sorted(terms)
    ]


def person_match_record(person: Person, rows: dict[str, list] | None = None) -> PersonMatchRecord:
    """The person's match record (unsaved), from `rows` ({"names": [...], "places": [...]})
    when given, else from what matching.records_db.load_for_records set aside (or a query)."""
    return PersonMatchRecord(
        id=person.pk, person=person, case_id=person.case_id, role=person.role, data_key=person.data_key,
        record=stored_values(person, rows),
    )


def person_reindex(person: Person) -> int:
    """Replace the person's terms (all key versions) with fresh ones under the current key,
    and their match record with one of what is stored now."""
    PersonSearchTerm.objects.filter(person=person).delete()
    PersonMatchRecord.objects.filter(person=person).delete()
    if person.erased_at:
        return 0
    rows = person_index_terms(person)
    PersonSearchTerm.objects.bulk_create(rows)
    names = list(PersonName.objects.filter(person=person).select_related("data_key"))
    places = list(PersonPlace.objects.filter(person=person).select_related("data_key"))
    person_match_record(person, {"names": names, "places": places}).save(force_insert=True)
    return len(rows)


def _person_batches(
    persons: QuerySet[Person], *, batch: int, limit: int | None, after: str | None = None
) -> Iterator[list[Person]]:
    """Persons in primary-key order, `batch` at a time (at most `limit` in all), from `after`,
    with what indexing reads (data keys, case, names with their keys) fetched per batch."""
    names = PersonName.objects.select_related("data_key")
    done, last = 0, after
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        qs = persons.order_by("pk") if last is None else persons.order_by("pk").filter(pk__gt=last)
        chunk = list(qs.select_related("data_key", "case").prefetch_related(Prefetch("names", queryset=names))[:size])
        if not chunk:
            return
        done += len(chunk)
        last = chunk[-1].pk
        yield chunk


@dataclass
class RebuildResult:
    version: str
    persons: int = 0
    terms: int = 0
    old_terms_deleted: int = 0
    remaining: int = 0


def index_rebuild(
    *, batch: int = 1000, limit: int | None = None, report: Callable[[str], None] = lambda _m: None
) -> RebuildResult:
    """Give every person terms under the current index key version, then drop other versions.

    Search queries every configured version, so it finds people throughout. Resumable:
    a person is due while they have no term of the current version. Terms of other versions
    are deleted only once no person is due, so a stopped run never leaves anyone unfindable.
    """
    version = blind.active_versions()[0]
    result = RebuildResult(version=version)
    has_current = PersonSearchTerm.objects.filter(person=OuterRef("pk"), key_version=version)
    has_other = PersonSearchTerm.objects.filter(person=OuterRef("pk")).exclude(key_version=version)
    # Due: findable only through another version's terms. A person with no terms at all has
    # nothing to index (no name, no phone) and must not hold back the final clean-up.
    due = Person.objects.filter(Exists(has_other), erased_at__isnull=True).exclude(Exists(has_current))
    # A person with nothing to index stays due but is passed over (pk order), not retried.
    for persons in _person_batches(due, batch=batch, limit=limit):
        rows = [term for person in persons for term in person_index_terms(person, version=version)]
        with transaction.atomic():
            PersonSearchTerm.objects.bulk_create(rows, batch_size=1000)
        result.persons += len(persons)
        result.terms += len(rows)
        report(f"indexed {result.persons} persons under {version} ({result.terms} terms)")
    result.remaining = due.count()
    if result.remaining == 0:
        result.old_terms_deleted = _delete_other_versions(version, batch)
    return result


@dataclass
class ExtendResult:
    version: str
    indexes: tuple[str, ...]
    persons: int = 0
    terms: int = 0
    last: str | None = None
    by_index: dict[str, int] = field(default_factory=dict)


def index_extend(
    *,
    indexes: Sequence[str],
    batch: int = 1000,
    after: str | None = None,
    limit: int | None = None,
    report: Callable[[str], None] = lambda _m: None,
) -> ExtendResult:
    """Give every stored person the terms of some indexes under the current key version.

    For a new index (name_pair): `person_reindex` indexes persons created or changed from now
    on, this walks the others once, in primary-key order. The other indexes' terms are left
    alone, so search keeps working throughout. Each batch replaces the person's terms of
    `indexes` in one transaction, so a run may be stopped and started again `after` the last
    primary key it reported (or from the start: re-running writes the same rows).
    """
    unknown = set(indexes) - set(blind.INDEXES)
    if unknown:
        raise ValueError(f"unknown blind indexes: {', '.join(sorted(unknown))}")
    version = blind.active_versions()[0]
    result = ExtendResult(version=version, indexes=tuple(indexes), last=after)
    persons_qs = Person.objects.filter(erased_at__isnull=True)
    for persons in _person_batches(persons_qs, batch=batch, limit=limit, after=after):
        rows = [
            term for person in persons for term in person_index_terms(person, version=version)
            if term.index in indexes
        ]  # fmt: skip
        with transaction.atomic():
            PersonSearchTerm.objects.filter(
                person__in=persons, index__in=indexes, key_version=version
            ).delete()
            PersonSearchTerm.objects.bulk_create(rows, batch_size=1000)
        result.persons += len(persons)
        result.terms += len(rows)
        for row in rows:
            result.by_index[row.index] = result.by_index.get(row.index, 0) + 1
        result.last = str(persons[-1].pk)
        report(f"indexed {result.persons} persons ({result.terms} terms), last {result.last}")
    return result


def _delete_other_versions(version: str, batch: int) -> int:
    deleted = 0
    stale = PersonSearchTerm.objects.exclude(key_version=version)
    while True:
        ids = list(stale.values_list("pk", flat=True)[: batch * 10])
        if not ids:
            return deleted
        deleted += PersonSearchTerm.objects.filter(pk__in=ids).delete()[0]


@dataclass
class MatchRecordsResult:
    persons: int = 0
    last: str | None = None


def match_records_extend(
    *,
    batch: int = 1000,
    after: str | None = None,
    limit: int | None = None,
    report: Callable[[str], None] = lambda _m: None,
) -> MatchRecordsResult:
    """Give every stored person without one a match record (persons stored before match
    records existed; `person_reindex` writes them for persons created or changed since).

    Matching reads such persons the long way meanwhile, so it works throughout. Resumable:
    from the start (persons that have a record are skipped) or `after` the last key reported.
    """
    result = MatchRecordsResult(last=after)
    walked = 0
    # Walk the persons' primary keys and look up which have a record, instead of one NOT
    # EXISTS query: on a table being filled its statistics lag, and PostgreSQL then planned a
    # parallel anti-join over every record for each batch (1.2 s a batch at a million).
    while limit is None or walked < limit:
        size = batch if limit is None else min(batch, limit - walked)
        qs = Person.objects.filter(erased_at__isnull=True).order_by("pk")
        ids = list((qs if result.last is None else qs.filter(pk__gt=result.last)).values_list("pk", flat=True)[:size])
        if not ids:
            break
        walked += len(ids)
        result.last = str(ids[-1])
        done = set(PersonMatchRecord.objects.filter(pk__in=ids).values_list("pk", flat=True))
        due = [pk for pk in ids if pk not in done]
        if due:
            records = [person_match_record(p) for p in load_for_records(Person.objects.filter(pk__in=due))]
            with transaction.atomic():
                PersonMatchRecord.objects.bulk_create(records, batch_size=1000, ignore_conflicts=True)
            result.persons += len(records)
        report(f"match records for {result.persons} persons, last {result.last}")
    return result
