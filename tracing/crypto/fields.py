"""Encrypted model fields.

Values are sealed in ``pre_save`` under the row's data key (``instance.data_key``) and
opened lazily by the attribute descriptor, so a page decrypts only the fields it reads.
Plaintext never reaches the database layer: a lookup or ``.update()`` with a plain value
raises instead of writing or comparing it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.apps import apps as global_apps
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from tracing.crypto import envelope
from tracing.exceptions import DecryptionFailed

#: Every concrete model (including history models) with encrypted fields, for rotation.
ENCRYPTED_MODELS: dict[type[models.Model], list[str]] = {}

_BLOCK = 16


class PlaintextLeak(ValueError):
    """Raised when code tries to send a plain value of an encrypted field to the database."""


class Ciphertext(str):
    """A token ready for the database (only ever produced by sealing)."""


class Sealed:
    """An encrypted value as loaded: the token, and the opened value once read."""

    __slots__ = ("token", "value", "opened")

    def __init__(self, token: str, value: Any = None, opened: bool = False) -> None:
        self.token = token
        self.value = value
        self.opened = opened

    @property
    def key_id(self) -> str:
        return envelope.token_key_id(self.token)

    def __repr__(self) -> str:  # never show plaintext in tracebacks or logs
        return "<Sealed>"


def _pad(raw: bytes) -> bytes:
    # ISO/IEC 7816-4 padding to 16-byte blocks, so ciphertext length hides exact name length.
    raw += b"\x80"
    return raw + b"\x00" * (-len(raw) % _BLOCK)


def _unpad(raw: bytes) -> bytes:
    idx = raw.rstrip(b"\x00")
    if not idx.endswith(b"\x80"):
        raise DecryptionFailed("bad padding")
    return idx[:-1]


def context_for(model: type[models.Model], field_name: str, record_id: Any) -> str:
    """Associated data for a value of `model.field_name` in the record `record_id`.

    History models use their source model's label and the source record's id, so a history
    row's token is the live row's token and is re-keyed or shredded with it.
    """
    source = getattr(model, "instance_type", model)
    return f"{source._meta.label_lower}|{field_name}|{record_id}"


def record_context(instance: models.Model, field_name: str) -> str:
    """Associated data: the original model (history rows use their source model), field, id."""
    return context_for(type(instance), field_name, instance.id)


def key_for_token(instance: models.Model, key_id: str) -> Any:
    """The DataKey a token names: the row's current key, or an older one mid-rotation."""
    from tracing.models import DataKey

    if instance.data_key_id is not None and instance.data_key_id.hex == key_id:
        return instance.data_key
    cache = instance.__dict__.setdefault("_other_data_keys", {})
    if key_id not in cache:
        try:
            cache[key_id] = DataKey.objects.get(id=key_id)
        except (DataKey.DoesNotExist, ValueError) as exc:
            raise DecryptionFailed(f"data key {key_id} does not exist") from exc
    return cache[key_id]


def open_token(instance: models.Model, field_name: str, token: str) -> bytes:
    from tracing.crypto.datakeys import dek_bytes

    key = key_for_token(instance, envelope.token_key_id(token))
    return _unpad(envelope.open_(dek_bytes(key), token, record_context(instance, field_name)))


def seal_value(instance: models.Model, field_name: str, plaintext: bytes) -> str:
    from tracing.crypto.datakeys import dek_bytes

    key = instance.data_key
    if key is None:
        raise ValueError(f"{type(instance).__name__} needs a data_key before encrypted fields are saved")
    return envelope.seal(dek_bytes(key), key.id.hex, _pad(plaintext), record_context(instance, field_name))


class EncryptedAttribute(DeferredAttribute):
    """Opens the sealed value on first read and caches it on the instance."""

    def __get__(self, instance: models.Model | None, cls: Any = None) -> Any:
        if instance is None:
            return self
        raw = super().__get__(instance, cls)
        if isinstance(raw, Sealed):
            if not raw.opened:
                raw.value = self.field.decode(open_token(instance, self.field.name, raw.token))
                raw.opened = True
            return raw.value
        return raw

    def __set__(self, instance: models.Model, value: Any) -> None:
        # A data descriptor (unlike DeferredAttribute), so reads always pass through __get__.
        current = instance.__dict__.get(self.field.attname)
        if isinstance(current, Sealed) and current.opened and not isinstance(value, Sealed) and current.value == value:
            # Writing back the value it holds (full_clean() does so for every field) keeps the
            # token: otherwise the history row re-seals it and looks changed (audit case story).
            return
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):
    """Base class: subclasses define encode (value → bytes) and decode (bytes → value)."""

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, plain_max_length: int | None = None, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        # An empty value is stored as NULL (nothing to seal), so the column is always nullable.
        kwargs["null"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        # Only models of the real app registry: migrations build throw-away copies of every
        # model (in their own registry) whose tables may not exist or may be renamed.
        if not cls._meta.abstract and cls._meta.apps is global_apps:
            ENCRYPTED_MODELS.setdefault(cls, [])
            if name not in ENCRYPTED_MODELS[cls]:
                ENCRYPTED_MODELS[cls].append(name)

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, raw: bytes) -> Any:
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value is None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(value)

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, instance: models.Model, add: bool) -> Ciphertext | None:
        raw = instance.__dict__.get(self.attname)
        if raw is None or (not isinstance(raw, Sealed) and self.is_empty(raw)):
            instance.__dict__[self.attname] = None if raw is None else raw
            return None
        if isinstance(raw, Sealed):
            if instance.data_key_id is not None and raw.key_id == instance.data_key_id.hex:
                return Ciphertext(raw.token)  # unchanged: keep the token, history stays comparable
            value = raw.value if raw.opened else self.decode(open_token(instance, self.name, raw.token))
        else:
            value = raw
        token = seal_value(instance, self.name, self.encode(value))
        instance.__dict__[self.attname] = Sealed(token, value, opened=True)
        return Ciphertext(token)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or isinstance(value, Ciphertext):
            return value
        if isinstance(value, Sealed):
            return value.token
        raise PlaintextLeak(f"plain value for encrypted field {self.name!r} refused by the database layer")

    def value_to_string(self, obj: models.Model) -> str | None:
        # Serialisation (dumpdata, backups) carries ciphertext only.
        raw = obj.__dict__.get(self.attname)
        return raw.token if isinstance(raw, Sealed) else None

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # equality on ciphertext is meaningless: search goes through blind indexes
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedField):
    def encode(self, value: Any) -> bytes:
        return str(value).encode()

    def decode(self, raw: bytes) -> str:
        return raw.decode()

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Sealed | str:
        return "" if value is None else Sealed(value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        if self.plain_max_length:
            defaults = {"form_class": forms.CharField, "max_length": self.plain_max_length}
            defaults.update(kwargs)
            return models.Field.formfield(self, **defaults)
        return super().formfield(**kwargs)


class EncryptedJSONField(EncryptedField):
    def encode(self, value: Any) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return models.Field.formfield(self, form_class=forms.JSONField, **kwargs)
