"""Verification of the whole audit chain and its checkpoints, streamed in batches.

What is checked, and what each failure means:
- seq runs 1, 2, 3, … with no gap (a gap: events deleted) and nothing before 1;
- each prev_hash equals the stored hash of the event before (else: inserted, deleted or
  reordered events);
- each hash equals SHA-256 of the event's columns (else: the event was edited);
- each checkpoint's Ed25519 signature verifies with a trusted key, and the event at its
  `size` has its head hash (else: history rewritten behind a checkpoint);
- no checkpoint and not the chain head point past the last event (else: the tail was cut).
The next row is always linked to the stored hash of the one before, so one edited event
gives one problem, not a cascade.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from audit.chain import GENESIS_HASH, HASHED_COLUMNS, event_hash, format_time
from audit.checkpoints import checkpoint_problem, trusted_keys
from audit.guards import guards_present
from audit.models import AuditCheckpoint, AuditEvent, ChainHead

MAX_PROBLEMS = 100
_COLUMNS = ", ".join(HASHED_COLUMNS) + ", hash"
# PostgreSQL formats the time itself: parsing and re-formatting a datetime per row would
# be a third of the verification time.
_PG_COLUMNS = _COLUMNS.replace(
    "occurred_at", """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""", 1
)
_MIN_SEQ = -(2**63)


@dataclass
class Problem:
    code: str
    message: str
    seq: int | None = None
    checkpoint_size: int | None = None


@dataclass
class ScanResult:
    events: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)
    hashes_at: dict[int, str] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass
class VerificationResult:
    """What the auditor workspace and `manage.py verify_audit` show."""

    ok: bool
    events: int
    last_seq: int
    head_hash: str
    checkpoints: int
    latest_checkpoint_size: int | None
    guards_present: bool
    seconds: float
    problems: list[Problem]

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "first_bad_seq": self.first_bad_seq}


def _time_text(value: Any) -> str:
    if isinstance(value, str):
        if value.endswith("Z"):
            return value  # already formatted by PostgreSQL
        # SQLite hands back text or naive datetimes; Django stores them in UTC there.
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_time(value)


_decode = json.JSONDecoder().decode


def _json(value: Any) -> Any:
    return _decode(value) if isinstance(value, str) else value


def _row_hash(row: tuple[Any, ...]) -> str:
    # Positional, in HASHED_COLUMNS order: this runs once per event of the whole log.
    return event_hash(
        seq=row[0],
        occurred_at=_time_text(row[1]),
        event_type=row[2],
        actor_id=row[3],
        actor_username=row[4],
        actor_office_id=row[5],
        office_id=row[6],
        case_id=row[7],
        person_ids=_json(row[8]),
        data=_json(row[9]),
        prev_hash=row[10],
    )


def scan_chain(
    *,
    after_seq: int | None = None,
    prev_hash: str = GENESIS_HASH,
    upto_seq: int | None = None,
    watch: frozenset[int] = frozenset(),
    batch_size: int = 20_000,
    using: str = DEFAULT_DB_ALIAS,
) -> ScanResult:
    """Check the events after `after_seq` (all when None) up to `upto_seq`, in batches.

    `prev_hash` is the hash the first event must link to. The stored hashes at the seqs in
    `watch` are returned in `hashes_at`, for comparing with checkpoints and the head.
    """
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    upper = "AND seq <= %s " if upto_seq is not None else ""
    columns = _PG_COLUMNS if connection.vendor == "postgresql" else _COLUMNS
    sql = f"SELECT {columns} FROM {table} WHERE seq > %s {upper}ORDER BY seq LIMIT %s"  # noqa: S608
    result = ScanResult(last_seq=after_seq or 0, last_hash=prev_hash)
    expected = 1 if after_seq is None else after_seq + 1
    cursor_seq = _MIN_SEQ if after_seq is None else after_seq
    prev = prev_hash
    with connection.cursor() as cursor:
        while True:
            params = [cursor_seq, upto_seq, batch_size] if upto_seq is not None else [cursor_seq, batch_size]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            for row in rows:
                seq = row[0]
                if seq > expected:
                    result.add(
                        Problem(
                            "missing",
                            f"events {expected}..{seq - 1} are missing (deleted)",
                            expected,
                        )
                    )
                elif seq < expected:
                    result.add(Problem("unexpected_seq", f"event {seq} is out of sequence (inserted)", seq))
                if row[10] != prev:
                    result.add(
                        Problem(
                            "broken_link",
                            f"event {seq}: prev_hash does not match the event before it "
                            "(inserted, deleted or reordered events)",
                            seq,
                        )
                    )
                if _row_hash(row) != row[11]:
                    result.add(
                        Problem(
                            "hash_mismatch",
                            f"event {seq}: hash does not match its content (edited)",
                            seq,
                        )
                    )
                if seq in watch:
                    result.hashes_at[seq] = row[11]
                prev = row[11]
                expected = seq + 1
            if rows:
                result.events += len(rows)
                result.last_seq, result.last_hash = rows[-1][0], rows[-1][11]
            if len(rows) < batch_size:
                break
            cursor_seq = rows[-1][0]
    if upto_seq is not None and result.last_seq < upto_seq:
        result.add(
            Problem(
                "missing",
                f"events {result.last_seq + 1}..{upto_seq} are missing",
                result.last_seq + 1,
            )
        )
    return result


def _scan_segment(bounds: tuple[int | None, str, int | None, frozenset[int], int, str]) -> ScanResult:
    after_seq, prev_hash, upto_seq, watch, batch_size, using = bounds
    return scan_chain(
        after_seq=after_seq, prev_hash=prev_hash, upto_seq=upto_seq, watch=watch, batch_size=batch_size, using=using
    )


def _scan_parallel(workers: int, watch: frozenset[int], batch_size: int, using: str) -> ScanResult:
    """Scan contiguous seq ranges in `workers` processes; each links to the stored hash
    before its range, which the range before it checks, so the result is the same."""
    last = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", flat=True).first() or 0
    cuts = [last * i // workers for i in range(1, workers)]
    segments: list[tuple[int | None, str, int | None, frozenset[int], int, str]] = []
    lower: int | None = None
    for cut in [*cuts, None]:
        prev = GENESIS_HASH
        if lower is not None:
            row = AuditEvent.objects.using(using).filter(seq__lte=lower).order_by("-seq").values_list("hash").first()
            prev = row[0] if row else GENESIS_HASH
        segments.append((lower, prev, cut, watch, batch_size, using))
        lower = cut
    connections[using].close()  # forked children must open their own connections
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_scan_segment, segments))
    merged = ScanResult(last_seq=parts[-1].last_seq, last_hash=parts[-1].last_hash)
    for part in parts:
        merged.events += part.events
        merged.hashes_at.update(part.hashes_at)
        for problem in part.problems:
            merged.add(problem)
    return merged


def verify_chain(*, batch_size: int = 20_000, workers: int = 1, using: str = DEFAULT_DB_ALIAS) -> VerificationResult:
    """Verify every event and every checkpoint; never raises for a broken chain, reports it.

    `workers` > 1 hashes in that many forked processes (PostgreSQL; not inside a transaction,
    since the children cannot see uncommitted rows).
    """
    if workers > 1 and connections[using].in_atomic_block:
        raise RuntimeError("parallel verification cannot run inside a transaction")
    started = time.monotonic()
    # Read checkpoints and head before the events: anything appended meanwhile is after them.
    checkpoints = list(AuditCheckpoint.objects.using(using).order_by("size"))
    head = ChainHead.objects.using(using).filter(pk=1).first()
    problems: list[Problem] = []
    keys = trusted_keys()
    for cp in checkpoints:
        if reason := checkpoint_problem(cp, keys):
            problems.append(
                Problem(
                    "checkpoint_signature",
                    f"checkpoint at size {cp.size}: {reason}",
                    checkpoint_size=cp.size,
                )
            )
    watch = {cp.size for cp in checkpoints} | ({head.seq} if head else set())
    if workers > 1:
        scan = _scan_parallel(workers, frozenset(watch), batch_size, using)
    else:
        scan = scan_chain(watch=frozenset(watch), batch_size=batch_size, using=using)
    problems.extend(scan.problems)
    for cp in checkpoints:
        if cp.size > scan.last_seq:
            problems.append(
                Problem(
                    "truncated",
                    f"the chain ends at event {scan.last_seq} but the "
                    f"checkpoint signed {format_time(cp.signed_at)} covers {cp.size} events",
                    scan.last_seq + 1,
                    cp.size,
                )
            )
        elif scan.hashes_at.get(cp.size) != cp.head_hash:
            problems.append(
                Problem(
                    "checkpoint_mismatch",
                    f"event {cp.size} differs from the checkpoint at that size (history rewritten before it)",
                    cp.size,
                    cp.size,
                )
            )
    if head is not None and head.seq > scan.last_seq:
        problems.append(
            Problem(
                "truncated",
                f"the chain ends at event {scan.last_seq} but its head is at {head.seq}",
                scan.last_seq + 1,
            )
        )
    elif head is not None and head.seq and scan.hashes_at.get(head.seq) != head.hash:
        problems.append(Problem("head_mismatch", f"the chain head does not match event {head.seq}", head.seq))
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return VerificationResult(
        ok=not problems,
        events=scan.events,
        last_seq=scan.last_seq,
        head_hash=scan.last_hash,
        checkpoints=len(checkpoints),
        latest_checkpoint_size=checkpoints[-1].size if checkpoints else None,
        guards_present=guards_present(connections[using]),
        seconds=round(time.monotonic() - started, 3),
        problems=problems,
    )
