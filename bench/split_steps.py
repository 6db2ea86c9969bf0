"""The split-invariance table: one optimizer step's logged loss and gradient norm for every way of splitting it.

    python bench/split_steps.py                 # tiny model, 16 samples of different answer lengths, CPU
    python bench/split_steps.py --out results/split_steps.md

Each row is one real `train.py` run (one step, lr 0, no clipping) of the same 16 samples: batch x gradient
accumulation x processes, packed or padded, plus 2 processes under torchrun (gloo). `hand` is the mean
cross-entropy over every answer token of the 16 samples, each computed alone with full logits. Run it with
each transformers version to compare (the venv's python decides). The same checks are
tests/train/test_split_invariance.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SPLITS = [(16, 1, True), (2, 8, True), (1, 16, True), (2, 8, False), (16, 1, False)]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=None, help="also write the table here (Markdown)")
    p.add_argument("--no-ddp", action="store_true", help="leave out the 2-process row")
    args = p.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    from medqa.tiny import build_tiny_model
    from tests.helpers.net import free_port
    from tests.helpers.split_step import hand_loss, one_step, step_args
    from tests.helpers.synthetic import write_blob_dataset

    work = Path(tempfile.mkdtemp(prefix="split-steps-"))
    model = build_tiny_model(work / "tiny", "qwen2_5_vl", seed=0)
    data = write_blob_dataset(work / "data", n_per_fold=16, folds=2, seed=0, varied=True)
    rows = [f"transformers {version('transformers')}, peft {version('peft')}, torch {version('torch')}; "
            f"hand-computed mean over the step's answer tokens: {hand_loss(model, data):.6f}", "",
            "| processes x batch x accumulation | packing | loss | grad norm |", "|---|---|---|---|"]
    for i, (batch, ga, packing) in enumerate(SPLITS):
        entry, _ = one_step(step_args(model, data, work / f"run{i}", batch, ga, packing))
        rows.append(f"| 1 x {batch} x {ga} | {'packed' if packing else 'padded'} | {entry['loss']:.6f} | "
                    f"{entry['grad_norm']:.6f} |")
    if not args.no_ddp:
        out = work / "ddp"
        env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
        run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr",
                              "127.0.0.1", "--master_port", str(free_port()), str(REPO / "tests/helpers/split_step.py"),
                              *step_args(model, data, out, 1, 8, True)], env=env, capture_output=True, text=True)
        if run.returncode:
            rows.append(f"| 2 x 1 x 8 (torchrun, gloo) | packed | failed: {run.stderr[-300:]!r} | |")
        else:
            entry = json.loads((out / "train_log.jsonl").read_text().splitlines()[-1])
            rows.append(f"| 2 x 1 x 8 (torchrun, gloo) | packed | {entry['loss']:.6f} | {entry['grad_norm']:.6f} |")
    table = "\n".join(rows) + "\n"
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
