"""Time medqa's metrics: ROUGE-1/2/L (character tokens) plus finding F1 over 10,000 Chinese answer pairs.

    python bench/rouge_speed.py [--pairs 10000] [--repeat 3] [--compare]

References are answers the rule generator writes for the shared Open-i reports; predictions
imitate model output: half another answer to the same kind of question, half the reference with
random character edits, and one pair in five rambles (two to four answers joined). `--compare`
also times rouge-score's own scorer (same tokenizer, pure-Python LCS) on the same pairs.

Target (issue 4): <= 3 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.data.openi import read_reports  # noqa: E402
from medqa.data.records import SkipLog  # noqa: E402
from medqa.data.rule import RuleGenerator  # noqa: E402
from medqa.eval.metrics import finding_f1, rouge, rouge_scorer  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"
NOISE = "肺野清晰心影不大未见明显异常双侧胸腔积液右下叶实变可能建议随访复查"


def answer_pool(reports: Path) -> dict[str, list[str]]:
    """Rule-generated answers of the shared reports, grouped by question type."""
    skips = SkipLog()
    qa = RuleGenerator().generate_all(read_reports(reports, reports.with_name("indiana_projections.csv"), skips),
                                      skips)
    pool: dict[str, list[str]] = defaultdict(list)
    for pairs in qa.values():
        for pair in pairs:
            pool[pair.qtype].append(pair.answer)
    return pool


def make_pairs(pool: dict[str, list[str]], n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(predictions, references): n model-like predictions for n reference answers."""
    rng = random.Random(seed)
    qtypes = sorted(pool)
    preds, refs = [], []
    for _ in range(n):
        answers = pool[rng.choice(qtypes)]
        ref = rng.choice(answers)
        if rng.random() < 0.5:
            pred = rng.choice(answers)
        else:
            chars = list(ref)
            for _ in range(rng.randint(1, 6)):
                i = rng.randrange(len(chars) + 1)
                if rng.random() < 0.5 and i < len(chars):
                    del chars[i]
                else:
                    chars.insert(i, rng.choice(NOISE))
            pred = "".join(chars)
        if rng.random() < 0.2:
            pred = "".join([pred] + [rng.choice(answers) for _ in range(rng.randint(1, 3))])
        preds.append(pred)
        refs.append(ref)
    return preds, refs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=DEFAULT)
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="also time rouge-score's own scorer")
    args = parser.parse_args()
    logging.getLogger("medqa").setLevel(logging.ERROR)
    preds, refs = make_pairs(answer_pool(args.reports), args.pairs)
    chars = statistics.mean(len(t) for t in preds + refs)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        scores = rouge(preds, refs)
        f1 = finding_f1(preds, refs)
        times.append(time.perf_counter() - start)
    print(f"{args.pairs} pairs, mean {chars:.1f} characters per answer: ROUGE-1 {scores['rouge1']:.4f}, "
          f"ROUGE-2 {scores['rouge2']:.4f}, ROUGE-L {scores['rougeL']:.4f}, finding F1 {f1['f1']:.4f}")
    print(f"medqa ROUGE-1/2/L + finding F1 over {args.repeat} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s (target <= 3 s)")
    if args.compare:
        scorer = rouge_scorer()
        start = time.perf_counter()
        for pred, ref in zip(preds, refs, strict=True):
            scorer.score(ref, pred)
        print(f"rouge-score's scorer, same tokenizer, ROUGE only: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
