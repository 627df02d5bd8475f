"""The canonical form is the documented one: sorted-key compact UTF-8 JSON, 0x00-prefixed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from audit.chain import GENESIS_HASH, canonical_bytes, event_hash, normalise_data
from audit.exceptions import UnsafeAuditData

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=dt.UTC)


def spec_hash(columns: dict[str, Any]) -> str:
    """docs/audit.md, literally."""
    payload = dict(columns, occurred_at="2026-03-04T05:06:07.000089Z")
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"actor_id": None, "actor_office_id": None, "office_id": None, "case_id": None, "actor_username": ""},
        {"actor_username": "zoë \"q\" \\ \n\t\u2028 ü", "case_id": "NL-2026-00042"},
        {"data": {"b": [1, {"z": None, "a": True}], "a": "é", "n": -12345678901234567890}},
        {"person_ids": ["b", "a"], "event_type": "access.search"},
        {"data": {"\u0001ctl": "\u001f", "emoji": "\U0001f600"}},
    ],
)
def test_fast_canonical_form_matches_the_specification(variant: dict[str, Any]) -> None:
    columns: dict[str, Any] = {
        "seq": 42, "occurred_at": WHEN, "event_type": "case.opened", "actor_id": 7,
        "actor_username": "amoss", "actor_office_id": 1, "office_id": 2,
        "case_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "person_ids": ["p1", "p2"],
        "data": {"to": "searching", "from": "open"}, "prev_hash": GENESIS_HASH,
    }
    columns.update(variant)
    assert event_hash(**columns) == spec_hash(columns)
    assert canonical_bytes(**columns).startswith(b'{"actor_id":')


def test_time_has_microseconds_and_z() -> None:
    text = canonical_bytes(
        seq=1, occurred_at=WHEN.astimezone(dt.timezone(dt.timedelta(hours=2))), event_type="x",
        actor_id=None, actor_username="", actor_office_id=None, office_id=None, case_id=None,
        person_ids=[], data={}, prev_hash=GENESIS_HASH,
    )
    assert b'"occurred_at":"2026-03-04T05:06:07.000089Z"' in text


def test_data_is_normalised_as_the_database_returns_it() -> None:
    import uuid

    pid = uuid.UUID(int=5)
    assert normalise_data({1: pid, "s": {"b", "a"}, "d": dt.date(2026, 1, 2)}) == {
        "1": str(pid), "s": ["a", "b"], "d": "2026-01-02",
    }
    for bad in ({"x": 1.5}, {"x": [0.0]}, {"x": "nul\x00"}):
        with pytest.raises(UnsafeAuditData):
            normalise_data(bad)
