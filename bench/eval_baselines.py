"""The baselines' table on the full shared dataset: what the question alone, the majority answer and retrieval score.

    python bench/eval_baselines.py [--data DIR] [--out DIR] [--samples 1000]

Builds the rule dataset from ../shared/data/openi (3,560 reports, 5 folds by patient) unless
--data names a built one, evaluates baseline:majority, baseline:question and baseline:retrieval
on all 5 folds (each fitted on the other 4) and prints results.md: every figure with its
patient-level bootstrap 95% interval, one column group per question type. It then names the
closed types the question alone already answers (baseline:question accuracy >= 0.9): questions of
those types test the data's templates, not the film.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import evaluate  # noqa: E402
from medqa.data import cli as data_cli  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "openi"
SOLVED_AT = 0.9


def build(out: Path) -> Path:
    """The rule dataset of the shared reports (no images: the full set; retrieval then votes without them)."""
    code = data_cli.main(["build", "--reports", str(SHARED / "indiana_reports.csv"), "--projections",
                          str(SHARED / "indiana_projections.csv"), "--out", str(out)])
    if code != 0:
        raise SystemExit(f"dataset build failed ({code})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="a built dataset (default: build one from shared/)")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: a temporary one)")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap replicates")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the build's skip notices and the run's progress lines
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or build(Path(tmp) / "data")
        out = args.out or Path(tmp) / "results"
        start = time.perf_counter()
        results = evaluate.main(["--data", str(data), "--folds", "0-4", "--model", "baseline:majority",
                                 "--model", "baseline:question", "--model", "baseline:retrieval", "--out", str(out),
                                 "--bootstrap_samples", str(args.samples)])
        seconds = time.perf_counter() - start
    question = results["baseline:question"]["by_type"]
    solved = {t: v["accuracy"] for t, v in question.items() if (v.get("accuracy") or 0) >= SOLVED_AT}
    print(f"evaluated 3 baselines x 5 folds in {seconds:.1f} s")
    print("closed types the question alone answers (baseline:question accuracy >= "
          f"{SOLVED_AT}): " + (", ".join(f"{t} {a:.3f}" for t, a in solved.items()) or "none"))
    yes_no = [question[t] for t in ("presence", "absence") if question.get(t, {}).get("accuracy") is not None]
    if yes_no:  # data built before issue 10 splits the yes/no questions into two types
        n = sum(v["n"] - v.get("unlabelled", 0) for v in yes_no)
        right = sum(v["accuracy"] * (v["n"] - v.get("unlabelled", 0)) for v in yes_no)
        print(f"yes/no questions (presence, absence): the question alone answers {right / n:.3f} of {n}")
    print(json.dumps({t: {k: v.get(k) for k in ("n", "accuracy", "rougeL", "finding_f1")} for t, v in
                      question.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
