"""Time the patient-level bootstrap over 5 folds of the full shared dataset: intervals for one model, and a
paired comparison of two.

    python bench/bootstrap_speed.py [--data DIR] [--samples 1000] [--repeat 3]

Builds the rule dataset from ../shared (unless --data), scores baseline:majority and
baseline:question answers for every item of the 5 folds (each fitted on the other folds), then
times `summarise_scores` (mean, sd, 95% interval of every figure, overall and per question type)
and `compare_scores` (paired bootstrap, difference and p-value). Scoring itself is not timed here
(bench/rouge_speed.py times it).

Target (issue 11): <= 10 s for the bootstrap of 5 folds of the full dataset on a 2-core machine.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from eval_baselines import build  # noqa: E402

from medqa.data.folds import read_folds  # noqa: E402
from medqa.eval.baselines import MajorityBaseline, QuestionBaseline  # noqa: E402
from medqa.eval.bootstrap import compare_scores, summarise_scores  # noqa: E402
from medqa.eval.items import build_items  # noqa: E402
from medqa.eval.summary import concat, item_scores  # noqa: E402


def scores_of(data: Path, make) -> object:
    """Per-item scores of a baseline over the 5 folds."""
    folds = {k: build_items(read_folds(data, [k]), f"fold {k}") for k in range(5)}
    parts = []
    for k, items in folds.items():
        predictor = make([it for j, other in folds.items() if j != k for it in other])
        rows = {it.key: {"question": it.question, "reference": it.reference, "prediction": p}
                for it, p in zip(items, predictor.predict(items), strict=True)}
        parts.append(item_scores(items, rows))
    return concat(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or build(Path(tmp) / "data")
        majority, question = scores_of(data, MajorityBaseline), scores_of(data, QuestionBaseline)
    n_patients = len({(int(f), p) for f, p in zip(majority.folds, majority.patients, strict=True)})
    print(f"{len(majority.keys)} items, {n_patients} patients, {len(set(majority.qtypes))} question types, "
          f"5 folds, {args.samples} replicates")
    for name, fn in (("intervals (one model)", lambda: summarise_scores(question, args.samples)),
                     ("paired comparison (two models)", lambda: compare_scores(question, majority, args.samples))):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        print(f"{name}: median {statistics.median(times):.2f} s, max {max(times):.2f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
