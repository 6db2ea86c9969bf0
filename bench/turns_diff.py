"""Not a timing: the question/answer turns one built dataset has and another lacks (issue 20's blind readings).

    python bench/turns_diff.py GRADED_DIR LANDING_DIR [--show 20]

A blind reading grades a sample of one build. When the build that lands differs from it, this shows how: each
(report uid, question, answer) turn counted once per conversation that holds it. "0 turns added" means every turn
of the landing build was already in the graded one, so the reading's sample was drawn from a superset.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.core.conversation import message_text  # noqa: E402
from medqa.data.folds import load_dataset_meta, read_folds  # noqa: E402


def turns(folder: Path) -> Counter:
    """(uid, question, answer) of every assistant turn in the folds of a build, counted."""
    out: Counter = Counter()
    try:
        records = read_folds(folder, list(range(load_dataset_meta(folder)["folds"])))
    except (OSError, ValueError) as exc:  # no build there, or a line that is not JSON: named by file and line
        raise SystemExit(str(exc)) from exc
    for record in records:
        question = None
        for message in record["messages"]:
            if message["role"] == "user":
                question = message_text(message)
            elif message["role"] == "assistant":
                out[(record["uid"], question, message_text(message))] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("graded", type=Path)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--show", type=int, default=20, help="turns to print of each kind")
    args = parser.parse_args(argv)
    old, new = turns(args.graded), turns(args.landing)
    added = [t for t in new if t not in old]
    removed = [t for t in old if t not in new]
    print(f"turns: graded {sum(old.values())}, landing {sum(new.values())}; distinct turns added {len(added)}, "
          f"removed {len(removed)} (of {len({t[0] for t in removed})} reports)")
    for label, items in (("added", added), ("removed", removed)):
        for uid, question, answer in items[:args.show]:
            print(f"  {label}: {uid} | {question} | {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
