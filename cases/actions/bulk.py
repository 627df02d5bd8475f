"""Opening many cases at once: demo and benchmark data, imports from another system.

Each case is encrypted and indexed exactly as `case_open` does it (its own data keys, the
same blind-index terms through `person_index_terms`), but rows are written with
`bulk_create` and their history rows are built here, so 100,000 cases take minutes, not
hours. Each batch is one transaction and one audit event (`case.bulk_created`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event
from cases.actions.case import case_priority
from cases.actions.persons import person_values_clean
from cases.indexing import person_index_terms, person_match_record
from cases.models import (
    Case,
    CaseSequence,
    NameKind,
    Person,
    PersonMatchRecord,
    PersonName,
    PersonPlace,
    PersonRole,
    PersonSearchTerm,
    SeparationCause,
)
from cases.workflow import State
from tracing.crypto import blind, envelope
from tracing.crypto.keys import provider
from tracing.exceptions import NotPermitted, ValidationFailed
from tracing.models import DataKey, Office, Role
from tracing.permissions import actor_for, can

#: Case fields an item may give (the rest of an item: enquirer, sought, relatives).
ITEM_CASE_FIELDS = (
    "separation_cause", "separation_date", "separation_place", "separation_circumstances", "languages",
    "eligibility", "priority", "vulnerable",
)


@dataclass
class BulkResult:
    count: int = 0
    batches: int = 0
    first_reference: str = ""
    last_reference: str = ""
    case_ids: list[Any] = field(default_factory=list)


@dataclass
class _Batch:
    """Everything one batch writes, collected before the first INSERT."""

    keys: list[DataKey] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    names: list[PersonName] = field(default_factory=list)
    places: list[PersonPlace] = field(default_factory=list)
    terms: list[tuple[Any, int, str, str, str]] = field(default_factory=list)  # PersonSearchTerm rows
    match_records: list[PersonMatchRecord] = field(default_factory=list)


def data_keys_new(*, purpose: str, count: int) -> list[DataKey]:
    """`count` unsaved data keys, each wrapping a fresh random key under the current KEK.

    The batched form of `data_key_create`: the caller saves them with one bulk_create.
    """
    ring = provider().kek_ring()
    kek = ring.get(ring.current)
    keys = []
    for _n in range(count):
        key = DataKey(purpose=purpose, kek_id=ring.current)
        key.wrapped = envelope.wrap(kek, ring.current, os.urandom(32), key.id.hex)
        keys.append(key)
    return keys


def _reserve_references(office: Office, count: int) -> list[str]:
    """Take `count` consecutive reference numbers in a short transaction of their own.

    Holding the sequence row's lock for a whole batch would stop everyone else from opening
    a case in the office meanwhile; a batch that fails leaves a gap in the numbers instead.
    """
    year = timezone.now().year
    seq, _created = CaseSequence.objects.get_or_create(office=office, year=year)
    seq = CaseSequence.objects.select_for_update().get(pk=seq.pk)
    first = seq.last + 1
    seq.last += count
    seq.save(update_fields=["last"])
    return [f"{office.code}-{year}-{n:05d}" for n in range(first, first + count)]


def _use_names(person: Person, names: list[PersonName]) -> None:
    """Make `person.names.all()` return these unsaved-yet names without a query.

    This is how prefetch_related fills the cache; it lets `person_index_terms`, which reads
    `person.names.all()`, index a person before any row is written.
    """
    qs = PersonName.objects.none()
    qs._result_cache = names
    qs._prefetch_done = True
    person._prefetched_objects_cache = {"names": qs}


def _build_person(batch: _Batch, case: Case, role: str, data: dict[str, Any], key: DataKey,
                  terms_cache: dict[tuple, list[tuple[str, str]]], version: str) -> None:
    clean = person_values_clean({**data, "names": data.get("names", [])})
    person = Person(case=case, role=role, data_key=key, **clean)
    # Foreign keys are left out: validating them costs a query per row, and they are ours.
    person.clean_fields(exclude=["data_key", "case"])
    names = [
        PersonName(
            person=person, data_key=key, kind=n.get("kind") or NameKind.PRIMARY, script=n.get("script", ""),
            given_names=(n.get("given_names") or "").strip(), family_name=(n.get("family_name") or "").strip(),
            family_name_first=bool(n.get("family_name_first")),
        )
        for n in data.get("names", [])
        if (n.get("given_names") or "").strip() or (n.get("family_name") or "").strip()
    ]
    # As _write_names: the display name is the primary name, else the first by kind.
    primary = next((n for n in names if n.kind == NameKind.PRIMARY), None)
    if primary is None and names:
        primary = sorted(names, key=lambda n: n.kind)[0]
    person.display_name = primary.full if primary else ""
    _use_names(person, names)
    # Terms depend only on names, birth year and phone: synthetic data repeats those a lot,
    # so equal inputs are hashed once (the terms are the very ones person_index_terms gives).
    signature = (
        tuple(sorted(n.full for n in names)), person.display_name,
        person.birth_date.year if person.birth_date else None, person.phone,
    )
    pairs = terms_cache.get(signature)
    if pairs is None:
        pairs = [(t.index, t.term) for t in person_index_terms(person, version=version)]
        if len(terms_cache) < 200_000:
            terms_cache[signature] = pairs
    batch.terms += [(person.id, case.office_id, i, t, version) for i, t in pairs]
    batch.persons.append(person)
    batch.names += names
    places = [
        PersonPlace(person=person, data_key=key, place=p["place"].strip(), country=p.get("country", ""),
                    date=p.get("date") or None)
        for p in data.get("places", [])
        if (p.get("place") or "").strip()
    ]
    batch.places += places
    batch.match_records.append(person_match_record(person, {"names": names, "places": places}))


def _build_batch(*, acting_user: Any, office: Office, items: list[dict[str, Any]], references: list[str],
                 terms_cache: dict[tuple, list[tuple[str, str]]]) -> _Batch:
    batch = _Batch()
    version = blind.active_versions()[0]
    person_count = sum(1 + len(item.get("sought", [])) + len(item.get("relatives") or []) for item in items)
    case_keys = data_keys_new(purpose="case", count=len(items))
    person_keys = iter(data_keys_new(purpose="person", count=person_count))
    batch.keys = list(case_keys)
    assignee = acting_user if actor_for(acting_user).role == Role.CASEWORKER else None
    now = timezone.now()
    for item, key, reference in zip(items, case_keys, references, strict=True):
        unknown = set(item) - set(ITEM_CASE_FIELDS) - {"enquirer", "sought", "relatives"}
        if unknown:
            raise ValidationFailed(_("Unknown case fields: %s") % ", ".join(sorted(unknown)))
        if not item.get("sought"):
            raise ValidationFailed(_("Add at least one sought person."), field_errors={"sought": [_("Required.")]})
        if item.get("separation_cause") not in SeparationCause.values:
            raise ValidationFailed(_("Choose a cause of separation."),
                                   field_errors={"separation_cause": [_("Required.")]})
        people = [(PersonRole.ENQUIRER, item.get("enquirer") or {})]
        people += [(PersonRole.SOUGHT, p) for p in item["sought"]]
        people += [(PersonRole.RELATIVE, p) for p in item.get("relatives") or []]
        involves_minor = any(p.get("is_minor") for _r, p in people[:1 + len(item["sought"])])
        vulnerable = bool(item.get("vulnerable"))
        case = Case(
            reference=reference, office=office, created_by=acting_user, assigned_to=assignee, data_key=key,
            state=State.RECEIVED, created_at=now, updated_at=now, last_activity_at=now,
            separation_cause=item["separation_cause"], separation_date=item.get("separation_date"),
            separation_place=item.get("separation_place", ""),
            separation_circumstances=item.get("separation_circumstances", ""),
            languages=item.get("languages") or [], eligibility=item.get("eligibility") or {},
            involves_minor=involves_minor, vulnerable=vulnerable,
            priority=case_priority(item.get("priority"), involves_minor, vulnerable),
        )
        case.clean_fields(exclude=["data_key", "created_by", "reference", "office", "assigned_to"])
        batch.cases.append(case)
        for role, data in people:
            person_key = next(person_keys)
            batch.keys.append(person_key)
            _build_person(batch, case, role, data, person_key, terms_cache, version)
    return batch


def _history_rows(model: type[models.Model], objs: Sequence[models.Model], *, user: Any, when: Any) -> list:
    """Creation history rows carrying the live rows' very ciphertext (as tracing.crypto.history
    does for single saves), so they are shredded with the same data keys."""
    history_model = model.history.model
    tracked = history_model.tracked_fields
    return [
        history_model(
            history_date=when, history_type="+", history_user=user, history_change_reason=None,
            **{f.attname: obj.__dict__.get(f.attname) for f in tracked},
        )
        for obj in objs
    ]


def _copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert plain rows (no encrypted field, no history) without building model instances.

    On PostgreSQL this is COPY, about ten times cheaper than bulk_create for the millions of
    search-term rows of a large import; other databases get one executemany.
    """
    fields = [model._meta.get_field(c) for c in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Let each field convert its value (UUIDs and datetimes are stored as text here).
            prepped = [
                [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows
            ]
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepped)


def _copy_objects(model: type[models.Model], objs: Sequence[models.Model], *, size: int) -> None:
    """Insert model instances as bulk_create would, but through COPY on PostgreSQL.

    Each value goes through the field's own `pre_save` (which seals every encrypted value,
    exactly as bulk_create does) and `get_db_prep_save`; only the SQL differs. Building one
    multi-row INSERT statement per 500 rows was most of the loader's Python time (about
    half of it in psycopg's client-side quoting of arrays). Auto-numbered primary keys (the
    history tables') are left to the database.
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=size)
        return
    conn = connections[connection.alias]  # the proxy's attribute lookups add up over millions of values
    fields = [f for f in model._meta.concrete_fields
              if not f.generated and not (f.primary_key and isinstance(f, models.AutoField))]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def _write_batch(batch: _Batch, *, acting_user: Any, size: int) -> None:
    _copy_rows(DataKey, ("id", "purpose", "wrapped", "kek_id", "created_at"),
               ((k.id, k.purpose, k.wrapped, k.kek_id, k.created_at) for k in batch.keys))
    for model, rows in ((Case, batch.cases), (Person, batch.persons), (PersonName, batch.names),
                        (PersonPlace, batch.places)):
        _copy_objects(model, rows, size=size)
        _copy_objects(model.history.model, _history_rows(model, rows, user=acting_user, when=timezone.now()),
                      size=size)
    _copy_rows(PersonSearchTerm, ("person_id", "office_id", "index", "term", "key_version"), batch.terms)
    _copy_objects(PersonMatchRecord, batch.match_records, size=size)


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def cases_bulk_create(
    *,
    acting_user: Any,
    items: Iterable[dict[str, Any]],
    batch_size: int = 500,
    on_batch: Callable[[BulkResult], None] | None = None,
    keep_ids: bool = False,
) -> BulkResult:
    """Open one case per item (the keyword arguments of `case_open`) in the user's office.

    Every batch of `batch_size` is validated completely before it is written, and is one
    transaction with one audit event; a failing batch changes nothing, earlier batches stay.
    `items` may be a generator, so memory stays flat for any count.
    """
    actor = actor_for(acting_user)
    if actor is None or not can(acting_user, "case.open", None):
        raise NotPermitted(_("Only caseworkers and supervisors open cases."))
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    office = Office.objects.get(pk=actor.office_id)
    result = BulkResult()
    terms_cache: dict[tuple, list[tuple[str, str]]] = {}
    for chunk in _chunks(items, batch_size):
        with transaction.atomic():
            references = _reserve_references(office, len(chunk))
        with transaction.atomic():
            batch = _build_batch(acting_user=acting_user, office=office, items=chunk, references=references,
                                 terms_cache=terms_cache)
            _write_batch(batch, acting_user=acting_user, size=batch_size)
            span = [batch.cases[0].reference, batch.cases[-1].reference]
            record_event(
                event_type="case.bulk_created", actor=acting_user, office=office,
                data={"count": len(batch.cases), "references": span},
            )
        result.count += len(batch.cases)
        result.batches += 1
        result.first_reference = result.first_reference or span[0]
        result.last_reference = span[1]
        if keep_ids:
            result.case_ids += [c.id for c in batch.cases]
        if on_batch is not None:
            on_batch(result)
    return result
