"""Signing in to the public pages with a reference and an access code.

Security entry point for everyone without an account. Attempts are rate-limited per
reference and per client address; repeated wrong codes lock the reference and alert the
caseworker; every success and every failure is in the audit log (never the code, the
reference typed or a name: keyed digests only). The answers are the same whether or not the
reference exists.
"""

from __future__ import annotations

import time
from datetime import timedelta
from enum import Enum
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.events import record_event
from cases.models import Case
from tracing.public.codes import code_matches, digest, reference_normalise
from tracing.public.conf import conf
from tracing.public.models import AccessAudience, PublicAccess
from tracing.public.notify import email_office

SESSION_KEY = "public_access"

EVENT_PREFIX = {AccessAudience.ENQUIRER: "enquirer", AccessAudience.FOUND: "found_person"}


class Outcome(Enum):
    OK = "ok"
    WRONG = "wrong"  # wrong or revoked code, or no such reference: one answer for all three
    BLOCKED = "blocked"  # too many attempts, or the reference is locked


def _count(key: str, timeout: int) -> int:
    """Increment a cache counter that expires `timeout` seconds after its first hit."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def _keys(audience: str, reference: str) -> tuple[str, str, str]:
    ref = digest(f"{audience}:{reference}")
    return f"public:tries:{ref}", f"public:fails:{ref}", f"public:lock:{ref}"


def access_unlock_reference(audience: str, reference: str) -> None:
    """Clear the counters of a reference (a new code was issued: the office vouches for it)."""
    cache.delete_many(list(_keys(audience, reference_normalise(reference))))


def _candidates(audience: str, reference: str) -> tuple[Case | None, list[PublicAccess]]:
    """The case the reference names (for the audit log, also with no code in force) and its active codes."""
    qs = PublicAccess.objects.select_related("case", "case__office", "person").filter(audience=audience)
    if audience == AccessAudience.ENQUIRER:
        case = Case.objects.select_related("office").filter(reference=reference).first()
        qs = qs.filter(case=case) if case else qs.none()
    else:
        named = qs.filter(handle=reference).first()
        case = named.case if named else None
        qs = qs.filter(handle=reference)
    return case, list(qs.filter(revoked_at__isnull=True).select_for_update(of=("self",)))


@transaction.atomic
def public_access_verify(*, audience: str, reference: str, code: str, address: str) -> tuple[Outcome, Any]:
    """Check a reference and code. Returns (Outcome, PublicAccess or None).

    Rate limits come first and cost nothing; otherwise exactly one slow hash is computed
    whether or not the reference exists, so neither the answer nor its timing tells.
    """
    prefix = EVENT_PREFIX[audience]
    ref = reference_normalise(reference)
    tries_key, fails_key, lock_key = _keys(audience, ref)
    window = conf("PUBLIC_ACCESS_WINDOW_SECONDS")
    lock_seconds = conf("PUBLIC_ACCESS_LOCK_MINUTES") * 60
    audit = {"ref_digest": digest(f"{audience}:{ref}"), "address_digest": digest(address)}

    over_address = _count(f"public:addr:{digest(address)}", window) > conf("PUBLIC_ACCESS_ATTEMPTS_PER_ADDRESS")
    over_reference = _count(tries_key, window) > conf("PUBLIC_ACCESS_ATTEMPTS_PER_REFERENCE")
    if over_address or over_reference:
        record_event(event_type=f"{prefix}.access_failed", actor=None,
                     data={**audit, "reason": "rate_limited_address" if over_address else "rate_limited_reference"})
        return Outcome.BLOCKED, None

    case, rows = _candidates(audience, ref)
    now = timezone.now()
    locked = bool(cache.get(lock_key)) or any(r.locked_until and r.locked_until > now for r in rows)
    if locked:
        code_matches(code, None)  # same cost as a real check
        record_event(event_type=f"{prefix}.access_failed", actor=None, office=case.office if case else None,
                     case_id=case.pk if case else None, data={**audit, "reason": "locked"})
        return Outcome.BLOCKED, None

    match = None
    if rows:
        for row in rows:
            if code_matches(code, row.code_hash):
                match = row
                break
    else:
        code_matches(code, None)

    if match is not None:
        cache.delete(fails_key)
        for row in rows:
            row.failed_attempts = 0
        match.last_used_at = now
        PublicAccess.objects.filter(pk__in=[r.pk for r in rows]).update(failed_attempts=0)
        match.save(update_fields=["last_used_at", "failed_attempts"])
        record_event(event_type=f"{prefix}.access", actor=None, office=match.case.office, case_id=match.case_id,
                     person_ids=[match.person_id], data={"access_id": str(match.pk), "channel": match.channel,
                                                         "address_digest": audit["address_digest"]})
        return Outcome.OK, match

    fails = _count(fails_key, lock_seconds)
    lock_now = fails >= conf("PUBLIC_ACCESS_LOCK_AFTER")
    if lock_now:
        cache.set(lock_key, 1, lock_seconds)
    for row in rows:
        row.failed_attempts += 1
        fields = ["failed_attempts"]
        if lock_now:
            row.locked_until = now + timedelta(seconds=lock_seconds)
            fields.append("locked_until")
        row.save(update_fields=fields)
    record_event(event_type=f"{prefix}.access_failed", actor=None, office=case.office if case else None,
                 case_id=case.pk if case else None,
                 data={**audit, "reason": "wrong_code" if case else "unknown_reference", "locked": lock_now})
    if lock_now and rows:
        # One alert per lock: the key names the lock's start.
        email_office(key=f"public:locked:{audience}:{case.pk}:{int(now.timestamp()) // lock_seconds}",
                     kind="public.access_locked", case=case, template="office_locked",
                     context={"audience": audience, "minutes": lock_seconds // 60})
    return Outcome.WRONG, None


# --- sessions --------------------------------------------------------------------------------


def session_open(request: HttpRequest, access: PublicAccess) -> None:
    """Bind the verified access to a fresh session key (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"id": str(access.pk), "audience": access.audience, "seen": time.time()}


def session_close(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def session_access(request: HttpRequest, audience: str) -> PublicAccess | None:
    """The access bound to this session, re-read on every request: revoked or idle means signed out."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("audience") != audience:
        return None
    if time.time() - float(data.get("seen", 0)) > conf("PUBLIC_SESSION_SECONDS"):
        request.session.pop(SESSION_KEY, None)
        return None
    access = (PublicAccess.objects.select_related("case", "case__office", "person", "person__data_key")
              .filter(pk=data.get("id"), audience=audience, revoked_at__isnull=True).first())
    if access is None or access.person.erased_at:
        request.session.pop(SESSION_KEY, None)
        return None
    data["seen"] = time.time()
    request.session[SESSION_KEY] = data
    return access
