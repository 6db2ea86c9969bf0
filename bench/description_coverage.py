"""Not a timing: description-answer coverage per patient of a built dataset (issue 20's coverage figure).

    python bench/description_coverage.py DIR [--reports ../shared/data/openi/indiana_reports.csv]

Prints the share of patients (report uids) whose conversations hold a description answer, over every report read
and over the reports that have a findings section. A description exists only where every sentence of the findings
renders (never half-translated) and the verifier keeps it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.data.folds import load_dataset_meta, read_folds  # noqa: E402
from medqa.data.openi import read_reports  # noqa: E402
from medqa.data.records import SkipLog  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--reports", type=Path, default=None)
    args = parser.parse_args()
    meta = load_dataset_meta(args.dir)
    records = read_folds(args.dir, list(range(meta["folds"])))
    described = {r["uid"] for r in records if "description" in r.get("qtypes", [])}
    reports = read_reports(args.reports or Path(meta["reports"]), None, SkipLog())
    with_findings = {r.uid for r in reports if r.findings.strip()}
    print(f"patients with a description answer: {len(described)} / {len(reports)} "
          f"({100 * len(described) / len(reports):.1f}%) of all reports; "
          f"{len(described & with_findings)} / {len(with_findings)} "
          f"({100 * len(described & with_findings) / len(with_findings):.1f}%) of reports with findings")


if __name__ == "__main__":
    main()
