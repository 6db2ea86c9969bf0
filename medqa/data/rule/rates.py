"""Measure the absent-question rates (medqa.data.rule.absent) on a report file:
`python -m medqa.data.rule.rates --reports indiana_reports.csv --out medqa/data/rule/absent_rates.tsv`."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from medqa.data.openi import read_reports
from medqa.data.records import SkipLog
from medqa.data.rule.absent import COLUMNS, measure
from medqa.data.rule.generator import RuleGenerator


def main(argv: list[str] | None = None) -> int:
    """Measure the rates on a report file and write the table (to stdout, or --out)."""
    parser = argparse.ArgumentParser(prog="python -m medqa.data.rule.rates", description=main.__doc__)
    parser.add_argument("--reports", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    reports = read_reports(args.reports, None, SkipLog())
    confirmed, negated = RuleGenerator().tally(reports)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115
    try:
        out.write(f"# measured on {args.reports.name} ({len(reports)} reports): present / absent questions "
                  "the rule generator could ask per finding\n")
        writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(measure(confirmed, negated))
    finally:
        if args.out:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
