"""Fine-tune a Qwen vision-language model on the medqa Chinese chest X-ray dataset.

    python train.py --data data/openi-zh --fold 0 --output_dir runs/lora-f0 [--method lora|qlora|full]
    python train.py config.yaml                       # the same options from a YAML file
    accelerate launch train.py --data ... --fold 0    # several GPUs

Defaults are the paper's: max length 1800, batch 2, gradient accumulation 8, lr 1e-5, AdamW,
cosine; LoRA r=64, alpha=16, dropout 0.05 on the language model. `--max_steps N` cuts a run
short; `--resume` continues from the last checkpoint in --output_dir.
"""

from __future__ import annotations

import json
import logging
import sys

from transformers import HfArgumentParser

from medqa.modeling import ModelLoadError
from medqa.training import DataArguments, MedqaTrainingArguments, ModelArguments, run_training


def parse_args(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, MedqaTrainingArguments]:
    """Options from the command line, or from a single .yaml/.yml/.json file."""
    argv = sys.argv[1:] if argv is None else argv
    parser = HfArgumentParser((ModelArguments, DataArguments, MedqaTrainingArguments), description=__doc__)
    if len(argv) == 1 and argv[0].endswith((".yaml", ".yml")):
        return parser.parse_yaml_file(argv[0])
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(argv[0])
    return parser.parse_args_into_dataclasses(args=argv)


def main(args: list[str] | None = None) -> dict:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    model_args, data_args, train_args = parse_args(args)
    summary = run_training(model_args, data_args, train_args)
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError, ModelLoadError) as exc:  # bad options or data: say what, no traceback
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
