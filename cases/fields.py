"""Encrypted partial dates (the field type lives here because PartialDate is a case concept)."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.partial_dates import PartialDate
from tracing.crypto.fields import EncryptedField


class PartialDateFormField(forms.CharField):
    def to_python(self, value: Any) -> PartialDate | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def prepare_value(self, value: Any) -> str:
        return "" if value is None else str(value)


class EncryptedPartialDateField(EncryptedField):
    def encode(self, value: Any) -> bytes:
        if isinstance(value, str):
            value = PartialDate.parse(value)
        return str(value).encode()

    def decode(self, raw: bytes) -> PartialDate:
        text = raw.decode()
        approx = text.startswith("~")
        parts = [int(p) for p in text.lstrip("~").split("-")]
        return PartialDate(parts[0], *(parts[1:] + [None, None])[:2], approximate=approx)

    def formfield(self, **kwargs: Any) -> forms.Field:
        kwargs.setdefault("form_class", PartialDateFormField)
        kwargs.setdefault("widget", forms.TextInput)
        return super(EncryptedField, self).formfield(**kwargs)
