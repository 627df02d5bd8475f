"""Template filters of the auditor workspace."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.filter
def audit_json(value: Any) -> str:
    """An event's data as compact JSON (ids, field names, states, counts: no personal data)."""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)
