"""Access codes: generated with `secrets`, read out in groups, stored only as a slow hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read out on the phone and copied from paper.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 10  # 25**10 ≈ 2**46.4; with rate limits and lockout, unguessable
HANDLE_LENGTH = 8


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def handle_generate() -> str:
    return "F" + "".join(secrets.choice(ALPHABET) for _ in range(HANDLE_LENGTH - 1))


def code_format(code: str) -> str:
    """Groups of four or fewer for reading out: 'K7M2-QX9P-AC'."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_normalise(raw: str) -> str:
    """What a person types, forgiving case, spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:40]


def reference_normalise(raw: str) -> str:
    return "".join((raw or "").upper().split())[:40]


def code_hash(code: str) -> str:
    return make_password(code_normalise(code))


def code_matches(code: str, encoded: str | None) -> bool:
    """Constant work whether or not there is a hash: a missing reference costs as much as a wrong code."""
    if not encoded:
        make_password(code)  # same slow hash, so timing does not tell whether the reference exists
        return False
    return check_password(code_normalise(code), encoded)


def digest(value: str) -> str:
    """A keyed digest for rate-limit keys and the audit log: correlates attempts, reveals nothing."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:24]
