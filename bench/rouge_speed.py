"""Time medqa's metrics over 10,000 Chinese answer pairs: ROUGE-1/2/L (character tokens), finding F1 at three
levels (status, + side, + severity) and each closed-type answer's exact label, as evaluation scores them.

    python bench/rouge_speed.py [--pairs 10000] [--repeat 3] [--compare]

References are answers the rule generator writes for the shared Open-i reports; predictions
imitate model output: half another answer to the same kind of question, half the reference with
random character edits, and one pair in five rambles (two to four answers joined). `--compare`
also times rouge-score's own scorer (same tokenizer, pure-Python LCS) on the same pairs. What is
timed is `medqa.eval.metrics.score_items`, every per-item figure evaluate.py reports (the label
cache is cleared before each run, so repeats do not get cheaper).

Target (issues 4 and 11): <= 3 s on a 2-core machine.
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
from medqa.eval.labels import clear_cache  # noqa: E402
from medqa.eval.metrics import COMPONENTS, METRICS, rouge_scorer, score_items  # noqa: E402
from medqa.eval.summary import MAIN_KEYS  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"
NOISE = "肺野清晰心影不大未见明显异常双侧胸腔积液右下叶实变可能建议随访复查"


def answer_pool(reports: Path) -> dict[str, list[tuple[str, str]]]:
    """Rule-generated (question, answer) pairs of the shared reports, grouped by question type."""
    skips = SkipLog()
    qa = RuleGenerator().generate_all(read_reports(reports, reports.with_name("indiana_projections.csv"), skips),
                                      skips)
    pool: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pairs in qa.values():
        for pair in pairs:
            pool[pair.qtype].append((pair.question, pair.answer))
    return pool


def make_pairs(pool: dict[str, list[tuple[str, str]]], n: int, seed: int = 0) -> dict[str, list[str]]:
    """{"predictions", "references", "qtypes", "questions"}: n model-like predictions for n reference answers."""
    rng = random.Random(seed)
    qtypes = sorted(pool)
    out: dict[str, list[str]] = {"predictions": [], "references": [], "qtypes": [], "questions": []}
    for _ in range(n):
        qtype = rng.choice(qtypes)
        answers = pool[qtype]
        question, ref = rng.choice(answers)
        if rng.random() < 0.5:
            pred = rng.choice(answers)[1]
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
            pred = "".join([pred] + [rng.choice(answers)[1] for _ in range(rng.randint(1, 3))])
        for key, value in zip(out, (pred, ref, qtype, question), strict=True):
            out[key].append(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=DEFAULT)
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="also time rouge-score's own scorer")
    args = parser.parse_args()
    logging.getLogger("medqa").setLevel(logging.ERROR)
    pairs = make_pairs(answer_pool(args.reports), args.pairs)
    preds, refs = pairs["predictions"], pairs["references"]
    chars = statistics.mean(len(t) for t in preds + refs)
    times, cpu = [], []
    for _ in range(args.repeat):
        clear_cache()
        start, start_cpu = time.perf_counter(), time.process_time()
        values = score_items(preds, refs, pairs["qtypes"], pairs["questions"])
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    sums = dict(zip(COMPONENTS, values.sum(0), strict=True))
    figures = {name: sum(w * sums[c] for c, w in num.items()) / max(sum(w * sums[c] for c, w in den.items()), 1e-12)
               for name, (num, den, _empty) in METRICS.items() if name in MAIN_KEYS}
    print(f"{args.pairs} pairs, mean {chars:.1f} characters per answer, {int(sums['labelled'])} closed-type: "
          + ", ".join(f"{name} {value:.4f}" for name, value in figures.items()))
    print(f"medqa score_items (ROUGE-1/2/L, finding F1 x 3 levels, closed labels) over {args.repeat} runs: median "
          f"{statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s (target <= 3 s); CPU time "
          f"median {statistics.median(cpu):.2f} s (what the wall time is on a core of its own)")
    if args.compare:
        scorer = rouge_scorer()
        start = time.perf_counter()
        for pred, ref in zip(preds, refs, strict=True):
            scorer.score(ref, pred)
        print(f"rouge-score's scorer, same tokenizer, ROUGE only: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
