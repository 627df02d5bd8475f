"""key_status: what each KEK still protects, so an operator knows when a key may go."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command

from cases.actions import person_erase
from cases.models import PersonSearchTerm
from tests.crypto.conftest import Keys, Populated, raw_tokens
from tracing.models import DataKey

pytestmark = pytest.mark.django_db


def status_json() -> dict[str, Any]:
    out = io.StringIO()
    call_command("key_status", "--json", stdout=out)
    return json.loads(out.getvalue())


def status_text() -> str:
    out = io.StringIO()
    call_command("key_status", stdout=out)
    return out.getvalue()


def test_counts_match_the_database(keys: Keys, populated: Populated) -> None:
    status = status_json()
    tokens = raw_tokens()
    old = status["keks"]["old"]
    assert old["data_keys"] == DataKey.objects.count() and old["current"] and not old["safe_to_retire"]
    assert old["values"] == len(tokens)
    assert old["files"] == 1
    per_table = Counter(table for (table, _c, _p) in tokens)
    assert old["by_field"]["cases.HistoricalPerson.display_name (history)"] == sum(
        1 for (t, c, _p) in tokens if t == "cases_historicalperson" and c == "display_name"
    )
    assert sum(n for label, n in old["by_field"].items() if label.startswith("cases.HistoricalPerson.")) == (
        per_table["cases_historicalperson"]
    )
    assert status["data_keys"] == {"live": DataKey.objects.count(), "retired_pending": 0, "destroyed": 0,
                                   "by_purpose": {"case": 2, "person": 4}}
    assert status["index"]["terms"] == {"iold": PersonSearchTerm.objects.count()}
    assert status["index"]["current_version"] == "iold"


def test_a_rotated_kek_is_reported_safe_to_retire(keys: Keys, populated: Populated) -> None:
    total = len(raw_tokens())
    n_keys = DataKey.objects.count()
    keys.use("new,old")
    assert "safe to retire" not in status_text()
    call_command("rotate_keys", "--limit", "2", stdout=io.StringIO())
    half = status_json()["keks"]
    assert (half["old"]["data_keys"], half["new"]["data_keys"]) == (n_keys - 2, 2)
    assert half["old"]["values"] + half["new"]["values"] == total and half["new"]["values"] > 0
    assert not half["old"]["safe_to_retire"]

    call_command("rotate_keys", stdout=io.StringIO())
    text = status_text()
    assert "kek old: 0 values — safe to retire" in text
    assert "kek new: 0 values" not in text
    done = status_json()["keks"]
    assert done["old"]["values"] == 0 and done["old"]["data_keys"] == 0 and done["new"]["values"] == total


def test_destroyed_keys_and_unconfigured_keks(keys: Keys, populated: Populated, personas: Any) -> None:
    sought_key = populated.sought.data_key_id.hex
    assert any(v.split("$")[1] == sought_key for v in raw_tokens().values())
    person_erase(acting_user=personas.supervisor, person_id=populated.sought.pk, reason="risk")
    status = status_json()
    assert status["data_keys"]["destroyed"] == 1
    # Values under the shredded key are protected by nothing any more: no longer counted.
    assert status["keks"]["old"]["values"] == sum(1 for v in raw_tokens().values() if v.split("$")[1] != sought_key)
    keys.use("other")  # the KEK the data keys need is missing from the configuration
    text = status_text()
    assert "kek old:" in text and "NOT CONFIGURED" in text
    assert "kek other: 0 values" not in text  # current: never reported as retirable


def test_index_versions_during_a_rebuild(keys: Keys, populated: Populated) -> None:
    keys.use(index="inew,iold")
    call_command("rotate_keys", "--index", "--limit", "1", stdout=io.StringIO())
    terms = status_json()["index"]["terms"]
    assert set(terms) == {"inew", "iold"} and sum(terms.values()) > PersonSearchTerm.objects.filter(
        key_version="iold").count()
    call_command("rotate_keys", "--index", stdout=io.StringIO())
    keys.use(index="inew,iold")
    status = status_json()["index"]
    assert set(status["terms"]) == {"inew"} and status["safe_to_retire"] == ["iold"]
    assert "index key iold: 0 terms — safe to retire" in status_text()
