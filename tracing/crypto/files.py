"""Files sealed on disk under a data key (attachments, uploaded import lists).

A file holds one envelope token (ASCII). It is written to a temporary name and renamed, so a
reader never sees half a file and a crash leaves the old file (or none) in place.
"""

from __future__ import annotations

from pathlib import Path

from tracing.crypto import envelope
from tracing.crypto.datakeys import dek_bytes
from tracing.models import DataKey


def sealed_file_write(path: Path, data_key: DataKey, content: bytes, context: str) -> None:
    """Seal `content` under `data_key` (associated data `context`) and write it at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    token = envelope.seal(dek_bytes(data_key), data_key.id.hex, content, context)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(token, encoding="ascii")
    tmp.replace(path)
