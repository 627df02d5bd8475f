"""Idempotency keys for partner POSTs: a retry returns the stored response and creates nothing.

The record is inserted (unique per partner and key) and locked before the action runs, in the
action's transaction: a concurrent retry waits on the unique index / row lock and then finds
the stored response. A request that fails (an error is raised) stores nothing, because the
record rolls back with the action: retrying it runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from partners.auth import PartnerAuth
from partners.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY = re.compile(r"^[\x21-\x7e]{8,100}$")


class IdempotencyKeyMissing(exceptions.APIException):
    status_code = 400
    default_code = "idempotency_key_missing"
    default_detail = "Send an Idempotency-Key header (8-100 visible ASCII characters) with every POST."


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used for a different request: use a new key for a new request."


def request_hash(request: Request) -> str:
    """What must match for a retry: method, path with query, and the exact body bytes."""
    raw = request._request
    return hashlib.sha256(b"\n".join([raw.method.encode(), raw.get_full_path().encode(), raw.body])).hexdigest()


def idempotent(request: Request, run: Callable[[], Response]) -> Response:
    """Run `run` once per (partner, Idempotency-Key); replay its response for a retry.

    Security entry point for retries: the same key with another body is a 422, never a replay
    of someone else's response (keys are scoped to the partner).
    """
    key = request.headers.get(HEADER, "")
    if not KEY.match(key):
        raise IdempotencyKeyMissing()
    auth: PartnerAuth = request.auth
    partner, digest = auth.partner, request_hash(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(partner=partner, key=key, request_hash=digest,
                                                 data_key=partner.data_key)
        except IntegrityError:
            pass  # a previous or concurrent request holds the key: read it under lock below
        record = IdempotencyRecord.objects.select_for_update().select_related("data_key").get(
            partner=partner, key=key)
        if record.request_hash != digest:
            raise IdempotencyKeyReused()
        if record.status_code is not None:
            replay = Response(record.response_body, status=record.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = run()
        record.status_code = response.status_code
        record.response_body = json.loads(JSONRenderer().render(response.data))
        record.save(update_fields=["status_code", "response_body"])
        return response
