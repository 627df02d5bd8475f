"""History completeness on the case models: bulk writes that would skip history raise, and
every action-made change leaves a history row that holds ciphertext only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from audit.exceptions import HistoryBypassRefused
from cases.actions import case_update, consent_record, contact_disclose, note_add, person_update
from cases.models import Attachment, Case, Consent, Disclosure, Note, Person, PersonName, PersonPlace, PersonRole
from tests.audit.conftest import PLAINTEXT

pytestmark = pytest.mark.django_db
CASE_MODELS = [Case, Person, PersonName, PersonPlace, Note, Attachment, Consent, Disclosure]
NEW_VALUES = ["Baidoa district hospital", "Jilib riverside", "Met the cousin near Garissa", "Told the brother"]


def _history_counts() -> dict[str, int]:
    return {m.__name__: m.history.count() for m in CASE_MODELS}


def test_bulk_writes_on_case_models_raise_and_change_nothing(open_case: Any) -> None:
    before = _history_counts()
    with pytest.raises(HistoryBypassRefused, match="Case.objects.update"):
        Case.objects.update(priority=1)
    with pytest.raises(HistoryBypassRefused, match="Person.objects.delete"):
        Person.objects.filter(case=open_case).delete()
    open_case.priority = 1
    with pytest.raises(HistoryBypassRefused, match="bulk_update"):
        Case.objects.bulk_update([open_case], ["priority"])
    for model in CASE_MODELS:
        with pytest.raises(HistoryBypassRefused):
            model.objects.all().update(pk=None)
        with pytest.raises(HistoryBypassRefused):
            model.objects.all().delete()
    assert Case.objects.get().priority != 1 and Person.objects.filter(case=open_case).count() == 2
    assert _history_counts() == before


#: Values of plain choice columns (name kind and script, relationship): not personal data.
CHOICES = {"Arab", "Latn", "primary", "transliteration", "sibling"}


def _raw_history_cells() -> list[str]:
    """Every column of every history table of the case models, as the database holds it."""
    cells = []
    with connection.cursor() as cursor:
        for model in CASE_MODELS:
            table = connection.ops.quote_name(model.history.model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            cells += [str(value) for row in cursor.fetchall() for value in row]
    return cells


def _plaintext_in(cells: list[str]) -> list[str]:
    # Short values must not be a whole cell (inside base64 tokens they could occur by chance);
    # longer ones must not occur anywhere.
    text = "\n".join(cells)
    found = set(cells) & set(PLAINTEXT)
    found |= {s for s in [*PLAINTEXT, *NEW_VALUES] if len(s) >= 7 and s in text}
    return sorted(found - CHOICES)


def _token(model: type, pk: Any, column: str, history: bool = False) -> list[str]:
    table = (model.history.model if history else model)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s"  # noqa: S608
                       + (" ORDER BY history_date, history_id" if history else ""), [pk.hex if
                                                                                    connection.vendor == "sqlite"
                                                                                    else pk])
        return [row[0] for row in cursor.fetchall()]


def test_each_action_leaves_a_history_row_with_ciphertext_only(personas: Any, open_case: Any) -> None:
    opened = _history_counts()
    assert opened == {"Case": 1, "Person": 4, "PersonName": 3, "PersonPlace": 1, "Note": 0, "Attachment": 0,
                      "Consent": 0, "Disclosure": 0}  # persons: created, then their display name set
    sought = open_case.persons.get(role=PersonRole.SOUGHT)
    cw = personas.caseworker
    steps = [
        (lambda: case_update(acting_user=cw, case_id=open_case.id, expected_version=None,
                             separation_place=NEW_VALUES[1]), {"Case": 1}),
        (lambda: person_update(acting_user=cw, person_id=sought.id, data={"birth_place": NEW_VALUES[0]}),
         {"Person": 1, "Case": 1}),
        (lambda: note_add(acting_user=cw, case_id=open_case.id, body=NEW_VALUES[2], visibility="internal"),
         {"Note": 1, "Case": 1}),
        (lambda: consent_record(acting_user=cw, case_id=open_case.id, person_id=sought.id,
                                scope="share_contact", source="phone"), {"Consent": 1, "Case": 1}),
        (lambda: contact_disclose(acting_user=cw, case_id=open_case.id, person_id=sought.id, kind="contact",
                                  content=NEW_VALUES[3]), {"Disclosure": 1, "Case": 1}),
    ]
    for action, added in steps:
        before = _history_counts()
        action()
        after = _history_counts()
        assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == added
    cells = _raw_history_cells()
    assert len(cells) > 200 and "primary" in cells  # the tables were read, plain columns and all
    assert _plaintext_in(cells) == []
    assert _plaintext_in(["x", "Amina", "a Baidoa district hospital b"]) == ["Amina", "Baidoa district hospital"]
    # Unchanged values keep their token through every save: history rows hold the live row's token.
    live_circumstances = _token(Case, open_case.id, "separation_circumstances")
    assert set(_token(Case, open_case.id, "separation_circumstances", history=True)) == set(live_circumstances)
    place_tokens = _token(Case, open_case.id, "separation_place", history=True)
    assert len(set(place_tokens)) == 2 and place_tokens[-1] == _token(Case, open_case.id, "separation_place")[0]
    assert len(set(_token(Person, sought.id, "phone", history=True))) == 1
