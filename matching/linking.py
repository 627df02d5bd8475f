"""Bulk linking in memory: block through the index keys, score candidates, keep matches."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from matching.blocking import DEFAULT_MAX_BLOCK, dedupe_pairs, link_pairs
from matching.features import Features, features
from matching.records import PersonRecord
from matching.scoring import ScoredPair, Weights, load_weights, score_features


def candidate_pairs(
    left: Sequence[Features], right: Sequence[Features] | None = None, max_block: int = DEFAULT_MAX_BLOCK
) -> Iterator[tuple[Features, Features]]:
    """Blocked pairs: within `left` (each unordered pair once) or between left and right."""
    if right is None:
        for i, j in dedupe_pairs(left, max_block):
            yield left[i], left[j]
    else:
        for i, j in link_pairs(left, right, max_block):
            yield left[i], right[j]


def link_records(
    left: Sequence[PersonRecord],
    right: Sequence[PersonRecord] | None = None,
    *,
    weights: Weights | None = None,
    threshold: float | None = None,
    keep_all: bool = False,
    max_block: int = DEFAULT_MAX_BLOCK,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ScoredPair]:
    """Scored pairs at or above the possible threshold (`threshold` overrides it).

    Without `right`, de-duplicates `left`; with it, links left to right. `keep_all` yields
    every candidate pair whatever its score (for evaluation). `progress(n)` is called with
    the number of left records done so far, for a progress bar.
    """
    weights = weights or load_weights()
    feats_left = [features(r) for r in left]
    feats_right = None if right is None else [features(r) for r in right]
    seen_left: set[str] = set()
    for fa, fb in candidate_pairs(feats_left, feats_right, max_block):
        if progress and fa.record.id not in seen_left:
            seen_left.add(fa.record.id)
            progress(len(seen_left))
        scored = score_features(fa, fb, weights, threshold)
        if keep_all or scored.decision:
            yield scored
