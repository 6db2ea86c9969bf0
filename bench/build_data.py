"""Time the offline build of the whole shared Open-i set (3,560 reports) with the rule generator.

    python bench/build_data.py [--reports ../shared/data/openi/indiana_reports.csv] [--repeat 3]

Target (issue 2, kept by issue 10): <= 10 s on a 2-core machine. The first run is cold (the sentence grammar's
caches are empty) and is the one the target is about; later runs reuse those caches. CPU seconds are printed beside
wall seconds because a shared machine's wall clock also counts other people's work.
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

from medqa.data.build import build_dataset  # noqa: E402
from medqa.data.config import BuildArguments  # noqa: E402
from medqa.data.rule import RuleGenerator  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=DEFAULT)
    parser.add_argument("--projections", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("medqa").setLevel(logging.ERROR)  # skips are counted below, not listed
    projections = args.projections or args.reports.with_name("indiana_projections.csv")
    times, cpu = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = build_dataset(BuildArguments(args.reports, Path(out), projections), RuleGenerator())
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    print(f"reports read: {result.n_reports_read}, conversations: {result.n_records}, "
          f"skipped: {result.skips.summary()}")
    print(f"cold build (first run): {times[0]:.2f} s wall, {cpu[0]:.2f} s CPU (target <= 10 s)")
    if args.repeat > 1:
        print(f"warm builds ({args.repeat - 1} runs): median {statistics.median(times[1:]):.2f} s wall, "
              f"{statistics.median(cpu[1:]):.2f} s CPU")


if __name__ == "__main__":
    main()
