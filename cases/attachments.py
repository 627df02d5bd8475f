"""Encrypted attachment files: sealed under the person's (or case's) data key on disk.

Files live under MEDIA_ROOT/attachments/<id>.bin and are only ever served by the
permission-checked download view, as `Content-Disposition: attachment`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from cases.models import Attachment
from tracing.crypto import envelope
from tracing.crypto.datakeys import dek_bytes
from tracing.crypto.fields import key_for_token
from tracing.crypto.files import sealed_file_write

ALLOWED_TYPES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


def attachment_path(attachment_id: object) -> Path:
    return Path(settings.MEDIA_ROOT) / "attachments" / f"{attachment_id}.bin"


def _context(attachment: Attachment) -> str:
    return f"cases.attachment|file|{attachment.id}"


def sniff_type(head: bytes) -> str | None:
    """The content type by magic bytes: the browser's claim is not trusted."""
    for content_type, magic in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def attachment_file_write(attachment: Attachment, content: bytes) -> None:
    sealed_file_write(attachment_path(attachment.id), attachment.data_key, content, _context(attachment))


def attachment_file_read(attachment: Attachment) -> bytes:
    token = attachment_path(attachment.id).read_text(encoding="ascii")
    # The key the file names: during a data-key rotation the row may already have its new key.
    key = key_for_token(attachment, envelope.token_key_id(token))
    return envelope.open_(dek_bytes(key), token, _context(attachment))


def attachment_files_reseal(data_key_ids: Iterable[object]) -> int:
    """Re-seal, under the row's current data key, the file of every attachment with one of
    these keys whose file still names another key (key rotation; safe to run again)."""
    resealed = 0
    for attachment in Attachment.objects.filter(data_key_id__in=list(data_key_ids)).select_related("data_key"):
        path = attachment_path(attachment.id)
        if not path.exists():
            continue  # erased, or never written
        token = path.read_text(encoding="ascii")
        if envelope.token_key_id(token) == attachment.data_key_id.hex:
            continue
        attachment_file_write(attachment, attachment_file_read(attachment))
        resealed += 1
    return resealed


def attachment_files_delete(attachments: Iterable[Attachment]) -> None:
    for attachment in attachments:
        attachment_path(attachment.id).unlink(missing_ok=True)
