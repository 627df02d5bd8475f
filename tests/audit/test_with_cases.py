"""The case actions' events, read back from the chain: verifiable and free of plaintext."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from audit.verify import verify_chain
from tests.audit.conftest import plaintext_in


@pytest.mark.django_db
def test_opening_the_sample_case_leaves_a_clean_verifiable_trail(open_case: Any) -> None:
    events = list(AuditEvent.objects.filter(case_id=str(open_case.id)))
    assert [e.event_type for e in events] == ["case.opened"]
    assert events[0].person_ids and all(plaintext_in(e) == [] for e in AuditEvent.objects.all())
    assert verify_chain().ok
