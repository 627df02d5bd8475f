"""Speed of the in-memory engine: normalising, blocking and scoring at two data sizes.

For each size, generates that many records (matching.evaluation, seed 3) and reports:
- features_per_s: records normalised per second;
- blocking: index build time, candidate pairs, candidates per record (mean, p95), time
  per query (one record against the index, as the search will do), [wall, cpu];
- scoring: pairs scored per second, on up to --score-sample candidate pairs.
Usage: .venv/bin/python benchmarks/matching_speed.py [--sizes 10000,100000] [--score-sample 200000]
Figures depend on the machine and its load: compare sizes within one run. Each rate is
given for wall-clock time and for this process's CPU time (what it would get alone).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.blocking import Blocker  # noqa: E402
from matching.evaluation import generate  # noqa: E402
from matching.features import features  # noqa: E402
from matching.scoring import load_weights, score_features  # noqa: E402

RECORDS_PER_ENTITY = 1.85  # the generator's mean


class Clock:
    """Wall-clock and CPU time since the last lap."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        elapsed = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return elapsed


def rate(count: int, elapsed: tuple[float, float]) -> dict[str, int]:
    return {"wall": round(count / elapsed[0]), "cpu": round(count / elapsed[1])}


def measure(size: int, score_sample: int) -> dict:
    ds = generate(round(size / RECORDS_PER_ENTITY), seed=3)
    records = ds.records[:size]

    clock = Clock()
    feats = [features(r) for r in records]
    features_s = clock.lap()

    blocker = Blocker(feats)
    build_s = clock.lap()

    per_query, pairs = [], []
    for i in range(len(feats)):
        found = blocker.candidates(blocker.keys[i])
        found.discard(i)
        per_query.append(len(found))
        if len(pairs) < score_sample:
            pairs.extend((i, j) for j in found if j > i)
    query_s = clock.lap()

    weights = load_weights()
    sample = pairs[:score_sample]
    clock.lap()
    for i, j in sample:
        score_features(feats[i], feats[j], weights)
    score_s = clock.lap()

    per_query.sort()
    return {
        "records": len(feats),
        "features_per_s": rate(len(feats), features_s),
        "blocking": {
            "index_build_s": [round(x, 1) for x in build_s],
            "candidate_pairs": sum(per_query) // 2,
            "candidates_per_query_mean": round(statistics.fmean(per_query), 1),
            "candidates_per_query_p95": per_query[int(0.95 * (len(per_query) - 1))],
            "ms_per_query": [round(x / len(feats) * 1000, 3) for x in query_s],
        },
        "scoring": {"pairs": len(sample), "pairs_per_s": rate(len(sample), score_s)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--score-sample", type=int, default=200_000)
    args = parser.parse_args()
    results = [measure(int(s), args.score_sample) for s in args.sizes.split(",")]
    print(json.dumps({"python": platform.python_version(), "machine": platform.machine(), "runs": results}, indent=2))


if __name__ == "__main__":
    main()
