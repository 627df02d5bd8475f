"""Which phonetic codes to put in the `phonetic` index: blocking recall against cost.

For each combination of jellyfish codes (Metaphone, NYSIIS, Soundex, Match Rating codex)
and our consonant skeleton, all computed on the canonical variant of each name part, on a
generated training set:
- recall_any_key: share of true pairs sharing any full_name/token/phonetic/phone value
  (what a plain lookup on the blind indexes can reach);
- recall_rules and candidate_pairs: the same with the candidate rules of matching.blocking;
- phonetic_values_per_record: index rows each person costs.
--hide-variants F makes the normaliser forget a share F of the name variant groups, so that
the codes must do the work for names the data files do not know.
Usage: .venv/bin/python benchmarks/matching_phonetic.py [--entities 3000] [--seed 1] [--hide-variants 0.5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.blocking import dedupe_pairs, record_keys  # noqa: E402
from matching.evaluation import generate, hide_variant_groups, pair_key  # noqa: E402
from matching.features import features  # noqa: E402

SCHEMES = [
    (),
    ("metaphone",),
    ("nysiis",),
    ("soundex",),
    ("mrc",),
    ("skeleton",),
    ("metaphone", "nysiis"),
    ("metaphone", "skeleton"),
    ("nysiis", "skeleton"),
    ("soundex", "skeleton"),
    ("metaphone", "nysiis", "skeleton"),
    ("metaphone", "nysiis", "soundex", "mrc", "skeleton"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hide-variants", type=float, default=0.0)
    args = parser.parse_args()
    ds = generate(args.entities, args.seed)
    hidden = hide_variant_groups(args.hide_variants)
    feats = [features(r) for r in ds.records]
    true = ds.true_pairs()
    ids = [f.record.id for f in feats]
    results = []
    for scheme in SCHEMES:
        started = time.perf_counter()
        keys = [record_keys(f, scheme) for f in feats]
        flat = {f.record.id: set(rk.direct).union(*rk.parts) for f, rk in zip(feats, keys, strict=True)}
        any_key = sum(bool(flat[a] & flat[b]) for a, b in true) / len(true)
        found = {pair_key(ids[i], ids[j]) for i, j in dedupe_pairs(feats, scheme=scheme)}
        phonetic = sum(sum(k.startswith("phonetic:") for k in flat[i]) for i in ids) / len(ids)
        results.append(
            {
                "scheme": "+".join(scheme) or "tokens only",
                "recall_any_key": round(any_key, 4),
                "recall_rules": round(len(found & true) / len(true), 4),
                "candidate_pairs": len(found),
                "candidates_per_record": round(2 * len(found) / len(ids), 1),
                "phonetic_values_per_record": round(phonetic, 1),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    report = {"records": len(ids), "true_pairs": len(true), "hidden_variant_groups": len(hidden), "schemes": results}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
