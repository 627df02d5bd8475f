"""PersonRecord from a stored Person: the bridge between the encrypted models and the engine.

Only the fields asked for are decrypted (the encrypted descriptors open a value when it is
read), so a viewer's display never opens a field the policy hides from them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from cases.models import NameKind, Person, PersonName, PersonPlace
from matching.records import FIELD_NAMES, PersonRecord

#: Policy field (tracing.permissions.person_fields) -> PersonRecord fields it gives.
RECORD_FIELDS_BY_POLICY: dict[str, tuple[str, ...]] = {
    "names": ("given_names", "family_name", "other_names"),
    "sex": ("sex",),
    "birth_date": ("birth_date",),
    "birth_place": ("birth_place",),
    "places": ("last_known_place",),
    "father_name": ("father_name",),
    "mother_name": ("mother_name",),
    "phone": ("phone",),
}
SCORED_POLICY_FIELDS = frozenset(RECORD_FIELDS_BY_POLICY)


def record_fields(policy_fields: Iterable[str]) -> frozenset[str]:
    """PersonRecord attribute names a viewer with these policy fields may see."""
    return frozenset(f for p in policy_fields for f in RECORD_FIELDS_BY_POLICY.get(p, ()))


def persons_for_records(qs: QuerySet[Person]) -> QuerySet[Person]:
    """Prefetch what person_record reads, in three queries for any number of persons."""
    return qs.select_related("data_key", "case").prefetch_related(
        Prefetch("names", queryset=PersonName.objects.select_related("data_key")),
        Prefetch("places", queryset=PersonPlace.objects.select_related("data_key")),
    )


def load_for_records(qs: QuerySet[Person]) -> list[Person]:
    """The persons of `qs` with what person_record reads, in three queries.

    Like persons_for_records, without prefetch_related's queryset per person and relation
    (a query clone each: a tenth of a candidate query's CPU with 200 candidates). The rows
    are kept aside for person_record; `person.names.all()` still queries as usual.
    """
    persons = list(qs.select_related("data_key", "case"))
    by_id = {p.pk: p for p in persons}
    for person in persons:
        person._record_rows = {"names": [], "places": []}  # type: ignore[attr-defined]
    for model, name in ((PersonName, "names"), (PersonPlace, "places")):
        for row in model.objects.filter(person_id__in=list(by_id)).select_related("data_key"):
            by_id[row.person_id]._record_rows[name].append(row)
    return persons


def _related(person: Person, name: str, rows: dict[str, list] | None = None) -> list:
    """Rows of a relation: given, set aside by load_for_records, prefetched (read without
    `.all()`, which clones a queryset per call), or queried."""
    rows = rows if rows is not None else getattr(person, "_record_rows", None)
    if rows is not None:
        return list(rows[name])
    cached = getattr(person, "_prefetched_objects_cache", {}).get(name)
    return list(cached) if cached is not None else list(getattr(person, name).all())


def _last_place(person: Person, rows: dict[str, list] | None = None) -> str | None:
    places = _related(person, "places", rows)
    if not places:
        return None
    # The latest dated place is the last known one; undated places count as oldest.
    dated = [p for p in places if p.date]
    best = max(dated, key=lambda p: p.date) if dated else places[0]
    return best.place or None


def person_record(
    person: Person, policy_fields: Iterable[str] | None = None, *, rows: dict[str, list] | None = None
) -> PersonRecord:
    """The person as the engine sees it, with only `policy_fields` decrypted (None: all scored fields).

    The primary name gives given and family name; other names (transliterations, aliases,
    maiden names) are the record's other names, so a match on any of them counts. `rows`
    ({"names": [...], "places": [...]}) gives the person's names and places when the caller
    has them (just written, or not saved yet).
    """
    allowed = SCORED_POLICY_FIELDS if policy_fields is None else frozenset(policy_fields)
    values: dict[str, str | None] = {}
    if "names" in allowed:
        names = _related(person, "names", rows)
        primary = next((n for n in names if n.kind == NameKind.PRIMARY), names[0] if names else None)
        if primary is not None:
            values["given_names"] = primary.given_names or None
            values["family_name"] = primary.family_name or None
        elif person.display_name:
            values["given_names"] = person.display_name
        others = [n.full for n in names if n is not primary and n.full]
        values["other_names"] = " ".join(others) or None
    if "sex" in allowed and person.sex and person.sex != "unknown":
        values["sex"] = person.sex
    if "birth_date" in allowed and person.birth_date:
        values["birth_date"] = str(person.birth_date)
    for field in ("birth_place", "father_name", "mother_name", "phone"):
        if field in allowed:
            values[field] = getattr(person, field) or None
    if "places" in allowed:
        values["last_known_place"] = _last_place(person, rows)
    return PersonRecord(id=str(person.pk), **values)


def stored_values(person: Person, rows: dict[str, list] | None = None) -> dict[str, str]:
    """What a person's match record seals (cases.PersonMatchRecord): every scored field that
    has a value, by PersonRecord field name."""
    record = person_record(person, rows=rows)
    return {name: value for name in FIELD_NAMES if name != "id" and (value := getattr(record, name))}


def record_from_stored(person_id: object, values: dict[str, str]) -> PersonRecord:
    """The PersonRecord of a match record's opened value (fields it does not know are ignored,
    so a record written by newer code still opens)."""
    return PersonRecord(id=str(person_id), **{k: v for k, v in values.items() if k in _STORED_FIELDS})


_STORED_FIELDS = frozenset(FIELD_NAMES) - {"id"}
