"""Fine-tune a Qwen vision-language model on the medqa Chinese chest X-ray dataset.

    python train.py --data data/openi-zh --fold 0 --output_dir runs/lora-f0 [--method lora|qlora|full]
    python train.py config.yaml                       # the same options from a YAML file
    accelerate launch train.py --data ... --fold 0    # several GPUs

Defaults are the paper's: max length 1800, batch 2, gradient accumulation 8, lr 1e-5, AdamW,
cosine; LoRA r=64, alpha=16, dropout 0.05 on the language model. `--max_steps N` cuts a run
short; `--resume` continues from the last checkpoint in --output_dir. Every option also reads
MEDQA_<OPTION> from the environment; the logic is medqa.train.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

# Run by path (python train.py, accelerate launch train.py): make `medqa` importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from medqa.core.config import parse_config  # noqa: E402
from medqa.core.modeling import ModelLoadError  # noqa: E402
from medqa.train.config import OPTIONS, DataArguments, MedqaTrainingArguments, ModelArguments  # noqa: E402
from medqa.train.run import run_training  # noqa: E402


def parse_args(argv: list[str] | None = None, env: dict[str, str] | None = None) -> tuple[
        ModelArguments, DataArguments, MedqaTrainingArguments]:
    """train.py's options from the command line, a YAML file and MEDQA_* variables."""
    return parse_config(OPTIONS, argv, env, prog="python train.py", description=__doc__)


def main(args: list[str] | None = None) -> dict:
    """Train and print a one-line JSON summary; bad options or data exit with status 2 and a one-line reason."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    model_args, data_args, train_args = parse_args(args)
    try:
        summary = run_training(model_args, data_args, train_args)
    except (ValueError, FileNotFoundError, ModelLoadError) as exc:  # bad options or data: say what, no traceback
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
