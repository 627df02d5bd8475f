"""The nightly run: every person, in batches through a Celery group; idempotent."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from cases.actions import case_open
from matching.models import MatchProposal
from matching.tasks import match_all_nightly, match_batch
from tests.matching.db_helpers import open_kenya_case, pair_proposals, sought, stranger_case_data

pytestmark = pytest.mark.django_db


def test_nightly_splits_persons_into_batches_of_a_group(personas: Any, open_case: Any) -> None:
    open_kenya_case(personas)
    case_open(acting_user=personas.outsider, **stranger_case_data())
    with mock.patch("matching.tasks.group") as group:
        batches = match_all_nightly(batch_size=4)
    assert batches == 2  # 6 persons
    signatures = list(group.call_args.args[0])
    ids = [pid for sig in signatures for pid in sig.args[0]]
    assert len(ids) == 6 and len(set(ids)) == 6
    group.return_value.apply_async.assert_called_once_with()


def test_nightly_runs_eagerly_and_again_creates_nothing(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    assert match_all_nightly.delay(batch_size=2).get() == 2
    assert pair_proposals(sought(open_case), sought(kenya)).count() == 1
    total = MatchProposal.objects.count()
    match_all_nightly.delay(batch_size=3).get()
    assert MatchProposal.objects.count() == total


def test_a_batch_skips_unknown_persons(personas: Any, open_case: Any) -> None:
    kenya = open_kenya_case(personas)
    assert match_batch([str(sought(kenya).pk), "00000000-0000-0000-0000-000000000000"]) == 1
