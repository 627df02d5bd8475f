"""The canonical form of an audit event and its chain hash (specified in docs/audit.md).

hash = SHA-256( 0x00 || canonical ), hex, where canonical is the UTF-8 JSON object of every
column except `hash`, keys sorted, no whitespace, non-ASCII kept as UTF-8:

    {"actor_id":7,"actor_office_id":1,"actor_username":"amoss","case_id":"…","data":{…},
     "event_type":"case.opened","occurred_at":"2026-01-02T03:04:05.123456Z",
     "office_id":1,"person_ids":["…"],"prev_hash":"<64 hex>","seq":42}

The 0x00 prefix separates this leaf-style hash from any other SHA-256 use of the same bytes
(as RFC 6962 does for leaves). Event 1 links to GENESIS_HASH.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

from audit.exceptions import UnsafeAuditData

GENESIS_HASH = "0" * 64
HASH_PREFIX = b"\x00"

#: The hashed columns, in the order raw rows are fetched by audit.verify.
HASHED_COLUMNS = (
    "seq",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_username",
    "actor_office_id",
    "office_id",
    "case_id",
    "person_ids",
    "data",
    "prev_hash",
)


def format_time(value: dt.datetime) -> str:
    """UTC, microseconds, 'Z': the precision both SQLite and PostgreSQL keep."""
    if value.tzinfo is None:
        raise UnsafeAuditData("occurred_at must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    # Enum members of TextChoices are str and never reach here; anything else is a mistake.
    raise UnsafeAuditData(f"audit data cannot hold {type(value).__name__}")


def _reject_floats(value: Any) -> None:
    # A float's text can change through jsonb (1e3 -> 1000), which would break the hash.
    if isinstance(value, float):
        raise UnsafeAuditData("audit data cannot hold floats; store integers or strings")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list):
        for item in value:
            _reject_floats(item)


def normalise_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON value exactly as the database will return it (str keys, lists, no floats)."""
    text = json.dumps(data or {}, default=_json_default, ensure_ascii=False)
    value = json.loads(text)
    if not isinstance(value, dict):
        raise UnsafeAuditData("audit data must be a JSON object")
    _reject_floats(value)
    if "\x00" in text or "\\u0000" in text:
        raise UnsafeAuditData("audit data cannot hold NUL characters")  # jsonb refuses them
    return value


def normalise_ids(values: Iterable[Any]) -> list[str]:
    """Ids as strings, in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if value is not None:
            seen.setdefault(str(value), None)
    return list(seen)


# json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False) is the
# definition; this builds the same text key by key because it runs once per event when the
# whole log is verified (tests/audit/test_chain.py holds the two to each other).
_str = json.encoder.encode_basestring  # the ensure_ascii=False string encoder, in C
_nested = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def canonical_bytes(
    *,
    seq: int,
    occurred_at: dt.datetime | str,
    event_type: str,
    actor_id: int | None,
    actor_username: str,
    actor_office_id: int | None,
    office_id: int | None,
    case_id: str | None,
    person_ids: list[str],
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    when = occurred_at if isinstance(occurred_at, str) else format_time(occurred_at)
    return (
        f'{{"actor_id":{_int(actor_id)},"actor_office_id":{_int(actor_office_id)},'
        f'"actor_username":{_str(actor_username)},'
        f'"case_id":{"null" if case_id is None else _str(case_id)},"data":{_nested(data)},'
        f'"event_type":{_str(event_type)},"occurred_at":{_str(when)},'
        f'"office_id":{_int(office_id)},"person_ids":{_nested(person_ids)},'
        f'"prev_hash":{_str(prev_hash)},"seq":{_int(seq)}}}'
    ).encode()


def event_hash(**columns: Any) -> str:
    """The chain hash of one event, from its hashed columns (see the module docstring)."""
    return hashlib.sha256(HASH_PREFIX + canonical_bytes(**columns)).hexdigest()
