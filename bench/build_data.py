"""Time the offline build of the whole shared Open-i set (3,560 reports) with the rule generator.

    python bench/build_data.py [--reports ../shared/data/openi/indiana_reports.csv] [--repeat 3]

Target (issue 2): <= 10 s on a 2-core machine.
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
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            result = build_dataset(BuildArguments(args.reports, Path(out), projections), RuleGenerator())
            times.append(time.perf_counter() - start)
    print(f"reports read: {result.n_reports_read}, conversations: {result.n_records}, "
          f"skipped: {result.skips.summary()}")
    print(f"build time over {args.repeat} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
