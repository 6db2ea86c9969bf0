"""How far SLAKE's test split gets without the film: baseline:majority and baseline:question on the real SLAKE
annotations for zh X-Ray, en X-Ray and zh all modalities, CLOSED and OPEN, with image-level intervals.

    python bench/slake_baselines.py SLAKE_DIR [--out results/slake-baselines] [--samples 1000]

Each setting goes through the same command a user runs (`python evaluate.py --benchmark slake ...`), into
OUT/<lang>-<modality>/; the baselines read no image, so only the three annotation files are needed. The
combined table is printed and written to OUT/baselines.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import evaluate  # noqa: E402
from medqa.eval.tables import cell  # noqa: E402

SETTINGS = (("zh", "X-Ray"), ("en", "X-Ray"), ("zh", "all"))
BASELINES = ("baseline:majority", "baseline:question")
COLUMNS = (("closed_em", "CLOSED exact match"), ("closed_yesno", "CLOSED yes/no acc. (LLaVA-Med)"),
           ("open_em", "OPEN exact match"), ("open_recall", "OPEN recall (LLaVA-Med)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slake_dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("results/slake-baselines"))
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap replicates")
    args = parser.parse_args(argv)
    lines = ["| Setting | Baseline | " + " | ".join(title for _, title in COLUMNS) + " | questions (CLOSED / OPEN) |",
             "|---|---|" + "---:|" * (len(COLUMNS) + 1)]
    logging.getLogger().setLevel(logging.WARNING)
    start = time.perf_counter()
    for lang, modality in SETTINGS:
        out = args.out / f"{lang}-{modality}"
        models = [x for name in BASELINES for x in ("--model", name)]
        results = evaluate.main(["--benchmark", "slake", "--data", str(args.slake_dir), "--split", "test",
                                 "--lang", lang, "--modality", modality, "--out", str(out),
                                 "--bootstrap_samples", str(args.samples), *models])
        for name in BASELINES:
            figures = results[name]["all"]
            cells = [cell(figures[key]["value"], figures[key]["ci95"]) for key, _ in COLUMNS]
            counts = f"{figures['closed_em']['n']} / {figures['open_em']['n']}"
            lines.append(f"| {lang} {modality} ({results[name]['images']} images) | {name} | " + " | ".join(cells)
                         + f" | {counts} |")
    table = "\n".join(lines) + "\n"
    (args.out / "baselines.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"{len(SETTINGS)} settings x {len(BASELINES)} baselines in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
