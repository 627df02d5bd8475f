"""Authentication of partner systems by request signature (see partners/signing.py, docs/partners.md)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from partners import signing
from partners.models import PartnerKey, PartnerNonce, PartnerSystem

logger = logging.getLogger(__name__)

#: Seconds a signed request's timestamp may differ from our clock, either way.
DEFAULT_WINDOW = 300
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def window_seconds() -> int:
    return int(getattr(settings, "PARTNERS_SIGNATURE_WINDOW", DEFAULT_WINDOW))


class SignatureRefused(exceptions.AuthenticationFailed):
    """A 401 with a precise `code` (the API's handler reports `default_code`)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)
        self.default_code = code


@dataclass(frozen=True)
class PartnerAuth:
    """`request.auth` of a signed request."""

    partner: PartnerSystem
    key: PartnerKey


class PartnerSignatureAuthentication(BaseAuthentication):
    """Security entry point: a request is the partner's service user only if signed by a
    valid key of an active partner, within the time window, with a nonce never seen before.

    No `X-Partner-Key` header: not attempted (None), so the view answers 401 not_authenticated.
    Every refusal is a 401 with its own code; the nonce is stored only after the signature
    checks out, so unsigned traffic cannot fill the table.
    """

    def authenticate(self, request: Request) -> tuple[Any, PartnerAuth] | None:
        headers = request._request.headers
        key_id = headers.get(signing.HEADER_KEY)
        if not key_id:
            return None
        timestamp = headers.get(signing.HEADER_TIMESTAMP, "")
        nonce = headers.get(signing.HEADER_NONCE, "")
        signature = headers.get(signing.HEADER_SIGNATURE, "")
        if not (timestamp and nonce and signature):
            raise SignatureRefused("signature_missing", "Send X-Partner-Key, X-Partner-Timestamp, X-Partner-Nonce "
                                                        "and X-Partner-Signature.")
        if not NONCE.match(nonce):
            raise SignatureRefused("nonce_invalid", "The nonce must be 16-64 characters of A-Z a-z 0-9 _ -.")
        key = self._key(key_id)
        if not timestamp.isdigit() or abs(timezone.now().timestamp() - int(timestamp)) > window_seconds():
            raise SignatureRefused("timestamp_out_of_window",
                                   f"The timestamp must be within {window_seconds()} seconds of our clock.")
        message = signing.canonical(method=request.method, path=request._request.get_full_path(),
                                    timestamp=timestamp, nonce=nonce, body=request._request.body, key_id=key_id)
        try:
            raw_signature = signing.b64d(signature)
        except ValueError:
            raw_signature = b""
        if not signing.verify(algorithm=key.algorithm, public_key=key.public_key,
                              secret=key.secret if key.algorithm == "hmac-sha256" else "",
                              message=message, signature=raw_signature):
            logger.warning("partner signature refused: key %s, signature_invalid", key.key_id)
            raise SignatureRefused("signature_invalid", "The signature does not match the request.")
        try:
            with transaction.atomic():
                PartnerNonce.objects.create(key=key, nonce=nonce)
        except IntegrityError as exc:
            logger.warning("partner request replayed: key %s", key.key_id)
            raise SignatureRefused("replayed", "This nonce was already used: the request was replayed.") from exc
        user = key.partner.service_user
        if not user.is_active:
            raise SignatureRefused("key_unknown", "No such key.")
        return user, PartnerAuth(partner=key.partner, key=key)

    def _key(self, key_id: str) -> PartnerKey:
        key = (PartnerKey.objects.select_related("partner", "partner__service_user", "data_key")
               .filter(key_id=key_id[:64], partner__active=True).first())
        if key is None:
            raise SignatureRefused("key_unknown", "No such key.")
        state = key.state()
        if state != "valid":
            logger.warning("partner key refused: key %s, %s", key.key_id, state)
            raise SignatureRefused(f"key_{state}", {"revoked": "This key was revoked.", "expired": "This key expired.",
                                                    "not_yet_valid": "This key is not valid yet."}[state])
        return key

    def authenticate_header(self, request: Request) -> str:
        # A value here keeps "no credentials" a 401 (DRF turns it into a 403 without one).
        return 'PartnerSignature headers="X-Partner-Key X-Partner-Timestamp X-Partner-Nonce X-Partner-Signature"'


class IsSignedPartner(BasePermission):
    """Only signed partner requests: a session or token user (staff included) gets a 401 too."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, PartnerAuth):
            raise exceptions.NotAuthenticated("Sign the request with a partner key.")
        return True


class PartnerRateThrottle(SimpleRateThrottle):
    """Requests per partner system (all its keys together): `PARTNERS_RATE`, default 600/min.
    A partner over the rate gets a 429 `throttled` with `Retry-After`."""

    scope = "partner"

    def get_rate(self) -> str:
        return str(getattr(settings, "PARTNERS_RATE", "600/min"))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PartnerAuth):
            return None
        return f"throttle_partner_{request.auth.partner.pk}"
