"""History rows copy the live row's ciphertext, never re-encrypt or hold plaintext.

simple-history builds a history instance with getattr() (which opens values); here the
sealed tokens are put back, so the history row stores the very token of the live row and
is shredded with the same data key.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from tracing.crypto.fields import ENCRYPTED_MODELS, Sealed


@receiver(pre_create_historical_record)
def keep_ciphertext(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    for name in ENCRYPTED_MODELS.get(type(instance), []):
        field = type(instance)._meta.get_field(name)
        raw = instance.__dict__.get(field.attname)
        if isinstance(raw, Sealed):
            history_instance.__dict__[field.attname] = Sealed(raw.token, raw.value, raw.opened)
