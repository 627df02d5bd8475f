"""Keeping a person's blind-index terms in step with their (encrypted) names and phone."""

from __future__ import annotations

from cases.models import Person, PersonSearchTerm
from matching.keys import person_index_values
from tracing.crypto import blind


def person_index_terms(person: Person, *, version: str | None = None) -> list[PersonSearchTerm]:
    names = [n.full for n in person.names.all()]
    if person.display_name:
        names.append(person.display_name)
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


def person_reindex(person: Person) -> int:
    """Replace the person's terms (all key versions) with fresh ones under the current key."""
    PersonSearchTerm.objects.filter(person=person).delete()
    if person.erased_at:
        return 0
    rows = person_index_terms(person)
    PersonSearchTerm.objects.bulk_create(rows)
    return len(rows)
