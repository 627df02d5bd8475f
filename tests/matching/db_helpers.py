"""Shared set-up of the database-backed matching tests: the Somali example across two offices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cases.actions import case_open
from cases.models import Case, Person, PersonRole
from matching.actions import match_person_run
from matching.models import MatchProposal
from tests.factories import sample_case_data
from tracing.permissions import Level, share_grant


def kenya_case_data(**sought: Any) -> dict[str, Any]:
    """The same man as the home case's sought person, registered in Kenya in Somali spelling."""
    person = {
        "names": [{"given_names": "Maxamed Cabdi", "family_name": "Xasan", "kind": "primary", "script": "Latn"}],
        "sex": "male",
        "birth_date": "1987",
        "birth_place": "Kismaayo",
        "places": [{"place": "Dadaab", "country": "KE", "date": "2016"}],
    }
    person.update(sought)
    return sample_case_data(
        enquirer={
            "names": [{"given_names": "Halima", "family_name": "Warsame", "kind": "primary"}],
            "phone": "+254 712 345678",
        },
        sought=[person],
    )


def stranger_case_data() -> dict[str, Any]:
    return sample_case_data(
        enquirer={"names": [{"given_names": "Olena", "family_name": "Kovalenko", "kind": "primary"}]},
        sought=[
            {
                "names": [{"given_names": "Tesfaye", "family_name": "Gebremichael", "kind": "primary"}],
                "sex": "male",
                "birth_date": "1960",
                "birth_place": "Asmara",
            }
        ],
    )


def sought(case: Case) -> Person:
    return case.persons.get(role=PersonRole.SOUGHT)


def pair_proposals(p1: Person, p2: Person) -> Any:
    a, b = sorted([p1.pk, p2.pk], key=str)
    return MatchProposal.objects.filter(person_a_id=a, person_b_id=b)


def open_kenya_case(personas: Any, **sought_fields: Any) -> Case:
    return case_open(acting_user=personas.partner_caseworker, **kenya_case_data(**sought_fields))


@dataclass
class Pair:
    home: Case
    kenya: Case
    proposal: MatchProposal


def make_pair(
    personas: Any, home: Case, *, share_home: int | None = Level.SEARCH, share_kenya: int | None = Level.SEARCH
) -> Pair:
    """The home case and the Kenyan case, matched; each shared with the other office as asked."""
    kenya = open_kenya_case(personas)
    if share_home:
        share_grant(home, personas.partner, share_home)
    if share_kenya:
        share_grant(kenya, personas.home, share_kenya)
    match_person_run(person_id=sought(home).pk)
    return Pair(home=home, kenya=kenya, proposal=pair_proposals(sought(home), sought(kenya)).get())
