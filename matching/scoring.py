"""Fellegi-Sunter scoring of record pairs.

Each comparison (compare.COMPARISONS) lands on a level; a level has m = P(level | same
person) and u = P(level | different people), and contributes log2(m / u) bits. The score is
the sum: positive evidence for a match, negative against. Missing values contribute 0.
Two thresholds turn the score into a decision: `likely` and `possible` (below: no match).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matching.compare import COMPARISONS, comparison_vector
from matching.features import Features, features
from matching.lexicon import DATA_DIR
from matching.records import PersonRecord

WEIGHTS_PATH = DATA_DIR / "weights.json"
# Recall the `possible` threshold is fitted to keep on the training pairs.
POSSIBLE_RECALL = 0.99


@dataclass
class Weights:
    """m and u per comparison level, and the two decision thresholds (in bits)."""

    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    likely: float
    possible: float
    notes: str = ""
    _bits: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)

    def weight(self, comparison: str, level: str) -> float:
        """log2(m/u) of a level; 0 for missing values."""
        if level == "missing":
            return 0.0
        key = (comparison, level)
        if key not in self._bits:
            self._bits[key] = math.log2(self.m[comparison][level] / self.u[comparison][level])
        return self._bits[key]

    def to_json(self) -> str:
        data = {
            "notes": self.notes,
            "thresholds": {"likely": self.likely, "possible": self.possible},
            "comparisons": {
                c: {lv: {"m": self.m[c][lv], "u": self.u[c][lv]} for lv in levels} for c, levels in COMPARISONS.items()
            },
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Weights:
        data = json.loads(text)
        comps = data["comparisons"]
        return cls(
            m={c: {lv: p["m"] for lv, p in levels.items()} for c, levels in comps.items()},
            u={c: {lv: p["u"] for lv, p in levels.items()} for c, levels in comps.items()},
            likely=data["thresholds"]["likely"],
            possible=data["thresholds"]["possible"],
            notes=data.get("notes", ""),
        )


@lru_cache(maxsize=4)
def load_weights(path: Path = WEIGHTS_PATH) -> Weights:
    """The shipped parameter file, or another one fitted with estimate_weights."""
    return Weights.from_json(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ScoredPair:
    left_id: str
    right_id: str
    score: float
    decision: str | None  # "likely", "possible" or None
    levels: dict[str, str]
    contributions: dict[str, float]


def decide(score: float, weights: Weights, possible: float | None = None) -> str | None:
    """ "likely", "possible" or None (below the possible threshold, which `possible` overrides)."""
    if score < (weights.possible if possible is None else possible):
        return None
    return "likely" if score >= weights.likely else "possible"


def score_features(
    fa: Features, fb: Features, weights: Weights | None = None, possible: float | None = None
) -> ScoredPair:
    """Score two prepared records (see matching.features.features)."""
    weights = weights or load_weights()
    levels = comparison_vector(fa, fb)
    contributions = {c: weights.weight(c, lv) for c, lv in levels.items()}
    total = sum(contributions.values())
    return ScoredPair(
        left_id=fa.record.id,
        right_id=fb.record.id,
        score=total,
        decision=decide(total, weights, possible),
        levels=levels,
        contributions=contributions,
    )


def score_pair(a: PersonRecord, b: PersonRecord, weights: Weights | None = None) -> ScoredPair:
    """Score two records: the match weight in bits and the decision it leads to."""
    return score_features(features(a), features(b), weights)


def _proportions(vectors: list[dict[str, str]], smoothing: float) -> dict[str, dict[str, float]]:
    probs: dict[str, dict[str, float]] = {}
    for comp, levels in COMPARISONS.items():
        counts = dict.fromkeys(levels, smoothing)
        for vec in vectors:
            if vec[comp] != "missing":
                counts[vec[comp]] += 1
        total = sum(counts.values())
        probs[comp] = {lv: n / total for lv, n in counts.items()}
    return probs


def fit_thresholds(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """(likely, possible): likely maximises F1, possible keeps POSSIBLE_RECALL of true pairs."""
    ranked = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    positives = sum(labels)
    best_f1, likely = -1.0, ranked[0][0]
    possible: float | None = None
    tp = 0
    for rank, (score, label) in enumerate(ranked, start=1):
        tp += label
        if rank < len(ranked) and ranked[rank][0] == score:
            continue  # a threshold cannot split tied scores
        f1 = 2 * tp / (rank + positives) if positives else 0.0
        if f1 > best_f1:
            best_f1, likely = f1, score
        if possible is None and positives and tp / positives >= POSSIBLE_RECALL:
            possible = score
    return likely, min(ranked[-1][0] if possible is None else possible, likely)


def estimate_weights(
    pairs: Sequence[tuple[PersonRecord | Features, PersonRecord | Features]],
    labels: Sequence[bool],
    *,
    smoothing: float = 1.0,
    notes: str = "",
) -> Weights:
    """Fit m, u and both thresholds from labelled pairs (confirmed matches and non-matches).

    The pairs should be the candidate pairs blocking produces, so that u describes the
    near-misses the thresholds must separate from true matches. Counts are smoothed by
    `smoothing` so that a level never seen in training does not get an infinite weight.
    """
    feats = [tuple(p if isinstance(p, Features) else features(p) for p in pair) for pair in pairs]
    vectors = [comparison_vector(a, b) for a, b in feats]
    weights = Weights(
        m=_proportions([v for v, y in zip(vectors, labels, strict=True) if y], smoothing),
        u=_proportions([v for v, y in zip(vectors, labels, strict=True) if not y], smoothing),
        likely=0.0,
        possible=0.0,
        notes=notes,
    )
    scores = [sum(weights.weight(c, lv) for c, lv in v.items()) for v in vectors]
    weights.likely, weights.possible = fit_thresholds(scores, labels)
    return weights
