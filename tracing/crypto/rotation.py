"""Key rotation: re-wrapping data keys under a new KEK, and re-keying data subjects.

Both work in batches, each batch in its own transaction, so a run can be stopped at any
point and started again: whatever is left is found by a query, never by remembering.
Reads keep working throughout because every token names its key (``v1$<key id>$…``) and
every wrapped data key names its KEK, and both old and new keys stay readable until the
run is over. Writes are compare-and-set (``WHERE id = … AND col = <old token>``), so a row
changed by the application during a batch is never overwritten with stale ciphertext.

Blind-index rebuilding is in `cases.indexing` (it needs the persons' decrypted names).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string

from tracing.crypto import envelope
from tracing.crypto.datakeys import dek_bytes
from tracing.crypto.fields import ENCRYPTED_MODELS, context_for
from tracing.crypto.keys import provider
from tracing.exceptions import DecryptionFailed
from tracing.models import DataKey

Report = Callable[[str], None]

#: Files sealed under data keys, outside the database: (label of the model whose rows own
#: the files, dotted path of a function `(data key ids) -> files re-sealed` that re-seals,
#: under the owning row's current data key, the file of every row with one of those keys).
FILE_STORES: list[tuple[str, str]] = [("cases.Attachment", "cases.attachments.attachment_files_reseal")]

# Fixed namespace: a subject's replacement key id is derived from its old key id, so a run
# that stopped between re-encrypting rows and destroying the old key finds the pair again.
_REKEY_NAMESPACE = uuid.UUID("6f1f7c52-3d0a-4a43-9d8e-0b6f3c1f6a01")
# Parameters per statement stay well below SQLite's limit.
_CHUNK = 400


def _quiet(_message: str) -> None:
    return None


def replacement_key_id(old_id: uuid.UUID) -> uuid.UUID:
    """The id a re-keying run gives the replacement of data key `old_id` (deterministic)."""
    return uuid.uuid5(_REKEY_NAMESPACE, old_id.hex)


def key_bearing_models() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model (live and history) with a `data_key`, and its encrypted fields.

    Models with a data key but no encrypted field are included: their key reference must
    move to the replacement too, or a destroyed key would still be referenced.
    """
    found: list[tuple[type[models.Model], list[str]]] = []
    for model in apps.get_models():
        try:
            fk = model._meta.get_field("data_key")
        except FieldDoesNotExist:
            continue
        if getattr(fk, "related_model", None) is DataKey:
            found.append((model, list(ENCRYPTED_MODELS.get(model, []))))
    missing = [m._meta.label for m in ENCRYPTED_MODELS if m not in {f[0] for f in found} and m._meta.managed]
    if missing:
        raise ImproperlyConfigured(f"encrypted models without a data_key cannot be rotated: {missing}")
    return found


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _executemany(sql: str, params: list[tuple[Any, ...]]) -> int:
    """Run a compare-and-set UPDATE for each parameter tuple; returns the rows changed."""
    changed = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(params, 1000):
            cursor.executemany(sql, chunk)
            # Both sqlite3 and psycopg 3 report the total over all parameter sets.
            changed += max(cursor.rowcount, 0)
    return changed


# --- KEK rotation: re-wrap data keys ---------------------------------------------------------


@dataclass
class RewrapResult:
    rewrapped: int = 0
    skipped: int = 0
    unreadable: int = 0
    remaining: int = 0
    by_old_kek: dict[str, int] = field(default_factory=dict)


def rewrap_data_keys(*, batch: int = 1000, limit: int | None = None, report: Report = _quiet) -> RewrapResult:
    """Re-wrap every live data key not wrapped by the current KEK under the current KEK.

    Idempotent and resumable: the keys left are those whose `kek_id` is not the current one.
    A key destroyed or re-wrapped by someone else during the batch is skipped (the UPDATE
    compares the wrapped token it read), so a rotation can never bring a shredded key back.
    Both KEKs must be configured (`TRACING_KEKS="new:…,old:…"`) while it runs.
    """
    ring = provider().kek_ring()
    current_kek = ring.get(ring.current)
    table = connection.ops.quote_name(DataKey._meta.db_table)
    sql = f"UPDATE {table} SET wrapped = %s, kek_id = %s WHERE id = %s AND wrapped = %s"  # noqa: S608
    pk_field = DataKey._meta.pk
    result = RewrapResult()
    last: uuid.UUID | None = None
    while limit is None or result.rewrapped + result.skipped + result.unreadable < limit:
        size = batch if limit is None else min(batch, limit - result.rewrapped - result.skipped - result.unreadable)
        qs = DataKey.objects.filter(wrapped__isnull=False).exclude(kek_id=ring.current).order_by("id")
        if last is not None:
            qs = qs.filter(id__gt=last)  # a key that cannot be unwrapped is passed over, not retried forever
        rows = list(qs.values_list("id", "wrapped", "kek_id")[:size])
        if not rows:
            break
        last = rows[-1][0]
        params = []
        for key_id, wrapped, old_kek in rows:
            try:
                dek = envelope.unwrap_cached(ring.get, wrapped, key_id.hex)
            except DecryptionFailed:
                result.unreadable += 1
                continue
            new = envelope.wrap(current_kek, ring.current, dek, key_id.hex)
            params.append((new, ring.current, pk_field.get_db_prep_value(key_id, connection), wrapped))
            result.by_old_kek[old_kek] = result.by_old_kek.get(old_kek, 0) + 1
        with transaction.atomic():
            changed = _executemany(sql, params)
        result.rewrapped += changed
        result.skipped += len(params) - changed
        report(f"re-wrapped {result.rewrapped} data keys under {ring.current}")
    result.remaining = DataKey.objects.filter(wrapped__isnull=False).exclude(kek_id=ring.current).count()
    return result


# --- Data key rotation: re-key subjects ------------------------------------------------------


@dataclass
class RekeyResult:
    subjects: int = 0
    resumed: int = 0
    values: int = 0
    rows: int = 0
    files: int = 0
    unreadable: int = 0
    destroyed: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    def add(self, other: ResealCounts) -> None:
        self.values += other.values
        self.rows += other.rows
        self.unreadable += other.unreadable
        for label, n in other.by_model.items():
            self.by_model[label] = self.by_model.get(label, 0) + n


@dataclass
class ResealCounts:
    values: int = 0
    rows: int = 0
    unreadable: int = 0
    missed: int = 0
    by_model: dict[str, int] = field(default_factory=dict)


class _Deks:
    """Unwrapped data keys by hex id, loaded on first use (tokens may name any key)."""

    def __init__(self, keys: Iterable[DataKey] = ()) -> None:
        self.keys: dict[str, bytes | None] = {}
        for key in keys:
            self.keys[key.id.hex] = dek_bytes(key) if key.wrapped else None

    def get(self, key_hex: str) -> bytes:
        if key_hex not in self.keys:
            key = DataKey.objects.filter(id=key_hex).first()
            self.keys[key_hex] = dek_bytes(key) if key is not None and key.wrapped else None
        dek = self.keys[key_hex]
        if dek is None:
            raise DecryptionFailed(f"data key {key_hex} was destroyed or does not exist")
        return dek


def _hex(value: Any) -> str:
    """A data key id as read by raw SQL (uuid on PostgreSQL, 32 hex digits on SQLite) → hex."""
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


def reseal_rows(mapping: dict[uuid.UUID, uuid.UUID], deks: _Deks) -> ResealCounts:
    """Move every row of an old key to its new key and re-seal its values under the new key.

    Covers live and history rows of every key-bearing model. A value is re-sealed when its
    token names a key other than the row's (new) key; history rows holding the live row's
    token get the same new token, so history stays comparable. Rows are read and written
    with raw SQL (ciphertext only: nothing is decrypted into a model instance, no history
    row is added for what is not a change of content). Must run in a transaction.
    """
    counts = ResealCounts()
    q = connection.ops.quote_name
    key_pk = DataKey._meta.pk
    to_new = {old.hex: new.hex for old, new in mapping.items()} | {new.hex: new.hex for new in mapping.values()}
    db_ids = {h: key_pk.get_db_prep_value(uuid.UUID(h), connection) for h in to_new}
    lock = f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    # History rows of a model share the live row's AAD (see context_for) and usually its token.
    resealed: dict[tuple[str, str], str] = {}
    for model, fields in key_bearing_models():
        fk, pk, id_field = model._meta.get_field("data_key"), model._meta.pk, model._meta.get_field("id")
        columns = [model._meta.get_field(name).column for name in fields]
        table = q(model._meta.db_table)
        select = ", ".join(q(c) for c in [pk.column, id_field.column, fk.column, *columns])
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for chunk in _chunks(list(to_new)):
            marks = ", ".join(["%s"] * len(chunk))
            sql = f"SELECT {select} FROM {table} WHERE {q(fk.column)} IN ({marks}){lock}"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, [db_ids[h] for h in chunk])
                rows = cursor.fetchall()
            for row in rows:
                row_pk, record_id, key_db = row[0], row[1], row[2]
                new_hex = to_new[_hex(key_db)]
                sets: list[tuple[str, str, str]] = []
                for name, column, old_token in zip(fields, columns, row[3:], strict=True):
                    if old_token is None or envelope.token_key_id(old_token) == new_hex:
                        continue
                    context = context_for(model, name, id_field.to_python(record_id))
                    token = resealed.get((context, old_token))
                    if token is None:
                        try:
                            padded = envelope.open_(deks.get(envelope.token_key_id(old_token)), old_token, context)
                        except DecryptionFailed:
                            counts.unreadable += 1  # already shredded (or corrupt): nothing to keep
                            continue
                        token = envelope.seal(deks.get(new_hex), new_hex, padded, context)
                        resealed[(context, old_token)] = token
                    sets.append((column, token, old_token))
                if new_hex == _hex(key_db) and not sets:
                    continue
                params = (db_ids[new_hex], *(t for _c, t, _o in sets), row_pk, key_db, *(o for _c, _t, o in sets))
                groups.setdefault(tuple(c for c, _t, _o in sets), []).append(params)
                counts.values += len(sets)
                counts.by_model[model._meta.label] = counts.by_model.get(model._meta.label, 0) + len(sets)
        for changed_columns, params in groups.items():
            quoted = [q(c) for c in changed_columns]
            set_sql = ", ".join([f"{q(fk.column)} = %s"] + [f"{c} = %s" for c in quoted])
            where = " AND ".join([f"{q(pk.column)} = %s", f"{q(fk.column)} = %s"] + [f"{c} = %s" for c in quoted])
            changed = _executemany(f"UPDATE {table} SET {set_sql} WHERE {where}", params)  # noqa: S608
            counts.rows += changed
            counts.missed += len(params) - changed
    return counts


def _reseal_files(new_ids: list[uuid.UUID]) -> int:
    return sum(import_string(path)(new_ids) for _label, path in FILE_STORES)


def _has_files(new_ids: list[uuid.UUID]) -> bool:
    return any(
        apps.get_model(label)._base_manager.filter(data_key_id__in=chunk).exists()
        for label, _path in FILE_STORES
        for chunk in _chunks(new_ids)
    )


def _destroy(old_ids: list[uuid.UUID]) -> int:
    destroyed = DataKey.objects.filter(id__in=old_ids, wrapped__isnull=False).update(
        wrapped=None, destroyed_at=timezone.now()
    )
    envelope.forget_unwrapped([old_id.hex for old_id in old_ids])
    return destroyed


def _finish(mapping: dict[uuid.UUID, uuid.UUID], result: RekeyResult, files_first: bool) -> None:
    """Re-seal the files, then (in one transaction) catch rows written with a stale key and
    destroy the old keys. Until the destroy commits, a reader holding an old token still
    opens it: the old key is retired, not gone."""
    if files_first:
        result.files += _reseal_files(list(mapping.values()))
    for _attempt in range(3):
        with transaction.atomic():
            olds = list(DataKey.objects.select_for_update().filter(id__in=list(mapping)))
            counts = reseal_rows(mapping, _Deks([*olds, *DataKey.objects.filter(id__in=list(mapping.values()))]))
            result.add(counts)
            if counts.missed == 0:
                result.destroyed += _destroy(list(mapping))
                return
    raise RuntimeError("rows kept changing under the rotation; run rotate_keys --data-keys again")


def rekey_subjects(
    *, batch: int = 1000, limit: int | None = None, before: datetime | None = None, report: Report = _quiet
) -> RekeyResult:
    """Give every data subject (data key) created before `before` a fresh key, re-seal all
    its values (live rows, history rows, files) under it, then destroy the old key.

    Resumable: subjects a stopped run left retired-but-not-destroyed are finished first;
    subjects not yet started are those whose key is live, not retired and older than
    `before` (pass the same `before` to resume without re-keying the new keys again).
    """
    before = before or timezone.now()
    result = RekeyResult()
    ring = provider().kek_ring()
    kek = ring.get(ring.current)

    # 1. Subjects a previous run re-sealed but did not finish (files, destroy).
    while True:
        olds = list(
            DataKey.objects.filter(retired_at__isnull=False, wrapped__isnull=False)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not olds:
            break
        mapping = {o: replacement_key_id(o) for o in olds}
        present = set(DataKey.objects.filter(id__in=list(mapping.values())).values_list("id", flat=True))
        mapping = {o: n for o, n in mapping.items() if n in present}
        if not mapping:
            break
        _finish(mapping, result, files_first=True)
        result.resumed += len(mapping)
        report(f"finished {result.resumed} subjects left by an earlier run")

    # 2. New subjects.
    last: uuid.UUID | None = None
    while limit is None or result.subjects < limit:
        size = batch if limit is None else min(batch, limit - result.subjects)
        qs = DataKey.objects.filter(wrapped__isnull=False, retired_at__isnull=True, created_at__lt=before)
        if last is not None:
            qs = qs.filter(id__gt=last)
        candidates = list(qs.order_by("id").values_list("id", flat=True)[:size])
        if not candidates:
            break
        last = candidates[-1]
        now = timezone.now()
        with transaction.atomic():
            olds = list(
                DataKey.objects.select_for_update().filter(
                    id__in=candidates, wrapped__isnull=False, retired_at__isnull=True
                )
            )
            news = []
            for old in olds:
                new = DataKey(id=replacement_key_id(old.id), purpose=old.purpose, kek_id=ring.current, created_at=now)
                new.wrapped = envelope.wrap(kek, ring.current, os.urandom(32), new.id.hex)
                news.append(new)
            DataKey.objects.bulk_create(news)
            mapping = {old.id: new.id for old, new in zip(olds, news, strict=True)}
            counts = reseal_rows(mapping, _Deks([*olds, *news]))
            result.add(counts)
            DataKey.objects.filter(id__in=list(mapping)).update(retired_at=now)
            has_files = _has_files(list(mapping.values()))
            if not has_files and counts.missed == 0:
                result.destroyed += _destroy(list(mapping))
        result.subjects += len(mapping)
        if has_files or counts.missed:
            _finish(mapping, result, files_first=has_files)
        report(f"re-keyed {result.subjects} subjects ({result.values} values, {result.files} files)")
    return result


# --- Status --------------------------------------------------------------------------------


def key_status() -> dict[str, Any]:
    """What each KEK still protects, destroyed keys, and blind-index terms per version.

    A value is counted under the KEK wrapping its row's data key; a KEK with no live data
    key protects nothing and may be removed from TRACING_KEKS.
    """
    from cases.models import Attachment, PersonSearchTerm

    ring = provider().kek_ring()
    index_ring = provider().index_ring()
    live = DataKey.objects.filter(wrapped__isnull=False)
    keks: dict[str, dict[str, Any]] = {}

    def kek_entry(kek_id: str) -> dict[str, Any]:
        return keks.setdefault(
            kek_id,
            {"configured": kek_id in ring.keys, "current": kek_id == ring.current, "data_keys": 0,
             "values": 0, "files": 0, "by_field": {}},
        )

    for kek_id in ring.keys:
        kek_entry(kek_id)
    for row in live.values("kek_id").annotate(n=Count("id")).order_by():
        kek_entry(row["kek_id"])["data_keys"] = row["n"]
    for model, fields in key_bearing_models():
        history = hasattr(model, "instance_type")
        for name in fields:
            rows = (
                model._base_manager.filter(**{f"{name}__isnull": False}, data_key__wrapped__isnull=False)
                .values("data_key__kek_id").annotate(n=Count("pk")).order_by()
            )
            for row in rows:
                entry = kek_entry(row["data_key__kek_id"])
                label = f"{model._meta.label}.{name}" + (" (history)" if history else "")
                entry["by_field"][label] = row["n"]
                entry["values"] += row["n"]
    for row in (
        Attachment.objects.filter(data_key__wrapped__isnull=False)
        .values("data_key__kek_id").annotate(n=Count("pk")).order_by()
    ):
        kek_entry(row["data_key__kek_id"])["files"] = row["n"]
    for entry in keks.values():
        entry["safe_to_retire"] = entry["data_keys"] == 0 and not entry["current"]
    terms = {
        row["key_version"]: row["n"]
        for row in PersonSearchTerm.objects.values("key_version").annotate(n=Count("id")).order_by()
    }
    return {
        "current_kek": ring.current,
        "keks": keks,
        "data_keys": {
            "live": live.count(),
            "retired_pending": DataKey.objects.filter(retired_at__isnull=False, wrapped__isnull=False).count(),
            "destroyed": DataKey.objects.filter(wrapped__isnull=True).count(),
            "by_purpose": {
                row["purpose"]: row["n"] for row in live.values("purpose").annotate(n=Count("id")).order_by()
            },
        },
        "index": {
            "current_version": index_ring.current,
            "configured_versions": list(index_ring.keys),
            "terms": terms,
            "safe_to_retire": [v for v in index_ring.keys if v != index_ring.current and not terms.get(v)],
        },
    }
