"""Which m/u weights matching uses: the newest set refitted from decisions, else the shipped file.

Refitting (matching.actions.match_weights_refit) turns confirmed and rejected proposals into
labelled pairs for `scoring.estimate_weights`. The stored set is read at most once a minute
per process, so a worker picks up a refit without a restart and without a query per person.
"""

from __future__ import annotations

import json
import time

from matching.scoring import Weights, load_weights

CACHE_SECONDS = 60
_cached: tuple[float, Weights] | None = None


def active_weights() -> Weights:
    """The newest MatchWeightSet's weights, or the shipped weights.json when there is none."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    from matching.models import MatchWeightSet

    latest = MatchWeightSet.objects.order_by("-created_at").first()
    weights = Weights.from_json(json.dumps(latest.parameters)) if latest else load_weights()
    _cached = (now, weights)
    return weights


def clear_weights_cache() -> None:
    """Forget the cached set (after a refit commits, and between tests)."""
    global _cached
    _cached = None
