"""Accuracy of the matching engine against a plain baseline and Splink, on generated data.

Fits on a training set (one seed) and reports on a test set generated with another seed.
Prints one JSON document. Usage (from the repository root):

    .venv/bin/python benchmarks/matching_eval.py [--entities 3000] [--write-weights] [--no-splink]
        [--hide-variants 0.5]

--write-weights saves the weights fitted on the training set to matching/data/weights.json.
--hide-variants F makes our normaliser forget a share F of the name variant groups after
the data is generated: how the engine fares on names its data files do not know.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process  # noqa: E402

from matching.blocking import record_keys  # noqa: E402
from matching.evaluation import Dataset, generate, hide_variant_groups, pair_key, precision_recall  # noqa: E402
from matching.features import features  # noqa: E402
from matching.linking import candidate_pairs  # noqa: E402
from matching.scoring import WEIGHTS_PATH, estimate_weights, score_features  # noqa: E402


def best_f1_threshold(scored: list[tuple[str, str, float]], true: set[tuple[str, str]]) -> float:
    """The score threshold with the best F1 on (training) pairs."""
    ranked = sorted(scored, key=lambda p: -p[2])
    best, threshold, tp = -1.0, ranked[0][2] if ranked else 0.0, 0
    for rank, (a, b, score) in enumerate(ranked, start=1):
        tp += pair_key(a, b) in true
        f1 = 2 * tp / (rank + len(true))
        if f1 > best:
            best, threshold = f1, score
    return threshold


def at(scored: list[tuple[str, str, float]], threshold: float, true: set) -> dict:
    return precision_recall({pair_key(a, b) for a, b, s in scored if s >= threshold}, true)


def any_key_recall(ds: Dataset) -> float:
    """Share of true pairs with at least one common full_name/token/phonetic/phone value."""
    keys = {}
    for r in ds.records:
        rk = record_keys(features(r))
        keys[r.id] = set(rk.direct).union(*rk.parts)
    true = ds.true_pairs()
    return round(sum(bool(keys[a] & keys[b]) for a, b in true) / len(true), 4)


def ours(train: Dataset, test: Dataset, write: bool) -> dict:
    started = time.perf_counter()
    feats = [features(r) for r in train.records]
    pairs = list(candidate_pairs(feats))
    labels = [train.truth[a.record.id] == train.truth[b.record.id] for a, b in pairs]
    notes = f"fitted by benchmarks/matching_eval.py on {len(train.records)} generated records"
    weights = estimate_weights(pairs, labels, notes=notes)
    if write:
        WEIGHTS_PATH.write_text(weights.to_json(), encoding="utf-8")
    fit_s = time.perf_counter() - started

    started = time.perf_counter()
    feats = [features(r) for r in test.records]
    test_pairs = list(candidate_pairs(feats))
    scored = [score_features(a, b, weights) for a, b in test_pairs]
    run_s = time.perf_counter() - started
    rows = [(s.left_id, s.right_id, s.score) for s in scored]
    true = test.true_pairs()
    blocked = {pair_key(a, b) for a, b, _ in rows}
    return {
        "thresholds": {"likely": round(weights.likely, 2), "possible": round(weights.possible, 2)},
        "likely": at(rows, weights.likely, true),
        "possible": at(rows, weights.possible, true),
        "blocking": {
            "candidate_pairs": len(blocked),
            "candidates_per_record": round(2 * len(blocked) / len(test.records), 1),
            "recall_candidate_rules": round(len(blocked & true) / len(true), 4),
            "recall_any_shared_key": any_key_recall(test),
        },
        "seconds": {"fit_on_train": round(fit_s, 1), "block_and_score_test": round(run_s, 1)},
        "weights": json.loads(weights.to_json())["comparisons"] if write else "not written",
    }


def _full_names(ds: Dataset) -> list[str]:
    return [" ".join(p for p in (r.given_names, r.family_name) if p).casefold() for r in ds.records]


def baseline(train: Dataset, test: Dataset, cutoff: float = 60) -> dict:
    """rapidfuzz ratio of the case-folded full names, all pairs, threshold fitted on train."""

    def scored(ds: Dataset) -> list[tuple[str, str, float]]:
        names = _full_names(ds)
        ids = [r.id for r in ds.records]
        rows = []
        for i, name in enumerate(names):
            hits = process.extract(name, names, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
            rows.extend((ids[i], ids[j], float(score)) for _, score, j in hits if j > i)
        return rows

    threshold = best_f1_threshold(scored(train), train.true_pairs())
    return {"threshold": threshold, "test": at(scored(test), threshold, test.true_pairs())}


def splink(train: Dataset, test: Dataset, normalised: bool) -> dict:
    from benchmarks.matching_splink import deterministic_recall, run_splink

    prior_recall = max(deterministic_recall(train, normalised), 0.01)
    started = time.perf_counter()
    train_rows = run_splink(train.records, normalised=normalised, prior_recall=prior_recall)
    threshold = best_f1_threshold(train_rows, train.true_pairs())
    rows = run_splink(test.records, normalised=normalised, prior_recall=prior_recall)
    true = test.true_pairs()
    return {
        "threshold_match_probability": round(threshold, 4),
        "test": at(rows, threshold, true),
        "blocking_recall": round(len({pair_key(a, b) for a, b, _ in rows} & true) / len(true), 4),
        "seconds_train_and_test": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=3000)
    parser.add_argument("--train-seed", type=int, default=1)
    parser.add_argument("--test-seed", type=int, default=2)
    parser.add_argument("--write-weights", action="store_true")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--hide-variants", type=float, default=0.0)
    args = parser.parse_args()
    train = generate(args.entities, args.train_seed)
    test = generate(args.entities, args.test_seed)
    hidden = hide_variant_groups(args.hide_variants)
    report: dict = {
        "data": {
            "entities": args.entities, "train_seed": args.train_seed, "test_seed": args.test_seed,
            "train_records": len(train.records), "test_records": len(test.records),
            "test_true_pairs": len(test.true_pairs()), "hidden_variant_groups": len(hidden),
        },
        "ours": ours(train, test, args.write_weights),
        "baseline_rapidfuzz_ratio_full_name": baseline(train, test),
    }  # fmt: skip
    if not args.no_splink:
        report["splink"] = splink(train, test, normalised=False)
        report["splink_on_our_normalised_names"] = splink(train, test, normalised=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
