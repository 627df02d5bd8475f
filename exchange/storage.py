"""The uploaded file of an import batch, sealed on disk under the batch's data key.

A list of persons is personal data: it is never written in the clear. It stays only until
the import is done (or refused), then the file is deleted and its data key destroyed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from exchange.models import ImportBatch
from tracing.crypto import envelope
from tracing.crypto.datakeys import data_key_destroy, dek_bytes
from tracing.crypto.files import sealed_file_write


def _path(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / f"{batch.id}.bin"


def _context(batch: ImportBatch) -> str:
    return f"exchange.import|file|{batch.id}"


def upload_write(batch: ImportBatch, content: bytes) -> None:
    sealed_file_write(_path(batch), batch.data_key, content, _context(batch))


def upload_read(batch: ImportBatch) -> bytes:
    return envelope.open_(dek_bytes(batch.data_key), _path(batch).read_text(encoding="ascii"), _context(batch))


def upload_exists(batch: ImportBatch) -> bool:
    return _path(batch).exists()


def upload_forget(batch: ImportBatch) -> None:
    """Delete the file and shred its key (the batch row keeps counts and problems only)."""
    _path(batch).unlink(missing_ok=True)
    data_key_destroy(batch.data_key)
