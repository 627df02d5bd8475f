"""Key configuration: the embedded default's key file, production's refusal, rings, blind keys."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tracing.crypto import blind, envelope
from tracing.crypto.keys import _dev_keys, new_key_b64, parse_ring, provider, reset_key_cache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_keys(settings: Any, tmp_path: Path) -> Any:
    settings.TRACING_KEKS = settings.TRACING_INDEX_KEYS = settings.TRACING_AUDIT_SIGNING_KEY = ""
    settings.TRACING_DEV_KEY_FILE = tmp_path / "var" / "dev-keys.json"
    settings.PRODUCTION = False
    reset_key_cache()
    blind.reset()
    yield settings
    reset_key_cache()
    blind.reset()


def test_embedded_default_creates_the_key_file_once_and_says_so(no_keys: Any, caplog: Any) -> None:
    path = no_keys.TRACING_DEV_KEY_FILE
    assert not path.exists()
    with caplog.at_level(logging.WARNING, logger="tracing.crypto.keys"):
        ring = provider().kek_ring()
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert [r.getMessage() for r in caplog.records] == [
        f"Created development encryption keys in {path} (never use in production)"
    ]
    stored = json.loads(path.read_text())
    assert stored["TRACING_KEKS"].startswith(f"{ring.current}:")
    assert set(stored) == {"TRACING_KEKS", "TRACING_INDEX_KEYS", "TRACING_AUDIT_SIGNING_KEY"}

    caplog.clear()
    reset_key_cache()
    again = provider().kek_ring()
    assert again.keys == ring.keys and json.loads(path.read_text()) == stored
    assert caplog.records == []  # not created, not announced a second time
    assert len(provider().audit_signing_key()) == 32


def test_processes_starting_together_share_one_key_file(no_keys: Any, caplog: Any) -> None:
    barrier = threading.Barrier(8)
    results: list[dict[str, str]] = []

    def start() -> None:
        barrier.wait()
        results.append(_dev_keys())

    with caplog.at_level(logging.WARNING, logger="tracing.crypto.keys"):
        threads = [threading.Thread(target=start) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert len([r for r in caplog.records if "Created development" in r.getMessage()]) == 1
    assert [p.name for p in no_keys.TRACING_DEV_KEY_FILE.parent.iterdir()] == ["dev-keys.json"]


def test_production_provider_refuses_missing_keys(no_keys: Any) -> None:
    no_keys.PRODUCTION = True
    reset_key_cache()
    reads = (lambda: provider().kek_ring(), lambda: provider().index_ring(), lambda: provider().audit_signing_key())
    for read in reads:
        with pytest.raises(ImproperlyConfigured, match="must be set in production"):
            read()
    assert not no_keys.TRACING_DEV_KEY_FILE.exists()


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRACING_", "DJANGO_", "SECRET_KEY"))}
    clean.update({"TRACING_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "settings.base", **env})
    code = ("import django; django.setup(); from tracing.crypto.keys import provider; "
            "print(provider().kek_ring().current)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,  # noqa: S603  fixed command
                          capture_output=True, text=True, timeout=120, check=False)


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    secret = new_key_b64(48)
    refused = _start(tmp_path, DJANGO_ENV="production", SECRET_KEY=secret, ALLOWED_HOSTS="tracing.example.org")
    assert refused.returncode != 0
    assert "Refusing to start in production" in refused.stderr
    assert "TRACING_KEKS is not set" in refused.stderr and "TRACING_INDEX_KEYS is not set" in refused.stderr
    assert not (tmp_path / "var" / "dev-keys.json").exists()

    started = _start(tmp_path, DJANGO_ENV="production", SECRET_KEY=secret, ALLOWED_HOSTS="tracing.example.org",
                     TRACING_KEKS=f"k2026:{new_key_b64()}", TRACING_INDEX_KEYS=f"i2026:{new_key_b64()}",
                     TRACING_AUDIT_SIGNING_KEY=new_key_b64())
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "k2026"
    assert not (tmp_path / "var" / "dev-keys.json").exists()


def test_development_start_without_keys_creates_the_file(tmp_path: Path) -> None:
    started = _start(tmp_path)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "dev1"
    assert "Created development encryption keys" in started.stderr
    assert (tmp_path / "var" / "dev-keys.json").exists()


_FIXED = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY"  # 32 bytes: ids must not vary between xdist workers


@pytest.mark.parametrize(
    "spec",
    ["", "nocolon", f"bad id:{_FIXED}", "short:QUJDREVGR0hJSktMTU5PUA", f"k1:{_FIXED},k2"],
    ids=["empty", "no-colon", "bad-id", "short-key", "half-pair"],
)
def test_malformed_key_rings_are_refused(spec: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_ring(spec, name="TRACING_KEKS")


def test_first_key_of_a_ring_is_current_and_all_are_readable() -> None:
    a, b = new_key_b64(), new_key_b64()
    ring = parse_ring(f"new:{a}, old:{b}", name="TRACING_KEKS")
    assert ring.current == "new" and set(ring.keys) == {"new", "old"}
    with pytest.raises(KeyError):
        ring.get("gone")


def test_wrapped_key_is_bound_to_its_data_key_id() -> None:
    kek, dek = os.urandom(32), os.urandom(32)
    wrapped = envelope.wrap(kek, "k1", dek, "a" * 32)
    assert envelope.unwrap(kek, wrapped, "a" * 32) == dek
    from tracing.exceptions import DecryptionFailed

    with pytest.raises(DecryptionFailed):
        envelope.unwrap(kek, wrapped, "b" * 32)  # moved to another data key row
    with pytest.raises(DecryptionFailed):
        envelope.unwrap(os.urandom(32), wrapped, "a" * 32)


def test_blind_index_keys_are_separated(settings: Any) -> None:
    settings.TRACING_INDEX_KEYS = f"v1:{new_key_b64()},v2:{new_key_b64()}"
    reset_key_cache()
    blind.reset()
    try:
        same = blind.term("token", "hassan")
        assert same == blind.term("token", "hassan")  # deterministic: that is what makes it searchable
        assert len(same) == (blind.INDEXES["token"].bits + 7) // 8 * 2
        others = {
            blind.term("year_token", "hassan"),  # another index
            blind.term("token", "hassan", field="father"),  # another field
            blind.term("token", "hassan", table="place"),  # another table
            blind.term("token", "hassan", version="v2"),  # another key version
        }
        assert same not in others and len(others) == 4
        assert blind.active_versions() == ["v1", "v2"]
    finally:
        reset_key_cache()
        blind.reset()


@pytest.mark.parametrize("persons", blind.EXPECTED_PERSONS)
@pytest.mark.parametrize("index", sorted(blind.INDEXES))
def test_blind_index_sizing_follows_the_coincidence_rule(index: str, persons: int) -> None:
    """CipherSweet: 2 <= C < sqrt(R), for every index across the expected network size."""
    c, root = blind.coincidences(blind.INDEXES[index], persons)
    assert 2 <= c < root
