"""Evaluate models and baselines on the medqa k-fold dataset: ROUGE-1/2/L and finding F1, the paper's Table II.

    python evaluate.py --data data/openi-zh --folds 0-4 --model Qwen/Qwen2.5-VL-7B-Instruct --out results/
    python evaluate.py --data data/openi-zh --model runs/lora-f{fold} --model baseline:majority --out results/
    python evaluate.py --data data/openi-zh --backend openai --base-url http://127.0.0.1:8000/v1 --model medqa
    python evaluate.py config.yaml                      # the same options from a YAML file

Predictions are saved as they are made (OUT/predictions/), so rerunning the same command resumes.
OUT/results.json and OUT/results.md collect every model evaluated into OUT; the logic is medqa.evaluation.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from transformers import HfArgumentParser

from medqa.evaluation import EvaluationError, run_evaluation
from medqa.generation import DecodingSettings
from medqa.modeling import ModelLoadError


@dataclass
class EvalArguments:
    data: str = field(default="data/openi-zh", metadata={"help": "dataset folder from `python -m medqa.data build`"})
    folds: str = field(default="0-4", metadata={"help": "folds to evaluate, e.g. 0-4 or 0,2"})
    model: list[str] = field(default_factory=list, metadata={
        "action": "extend", "help": "repeatable: hub id or folder (an adapter folder works too), an endpoint model "
        "name with --backend openai, or baseline:majority / baseline:retrieval; 'LABEL=MODEL' names the table row; "
        "'{fold}' in a path becomes the fold number (one fine-tuned adapter per fold)"})
    adapter: str | None = field(default=None, metadata={"help": "LoRA adapter for the (single) local --model"})
    backend: Literal["local", "openai"] = field(default="local", metadata={"help": "local transformers or openai"})
    base_url: str | None = field(default=None, metadata={"help": "OpenAI-compatible API root, e.g. http://host:8000/v1"})
    api_key_env: str = field(default="OPENAI_API_KEY", metadata={"help": "environment variable with the API key"})
    out: str = field(default="results", metadata={"help": "output folder: predictions/, results.json, results.md"})
    batch_size: int = field(default=8, metadata={"help": "prompts per generate call (openai: requests at once)"})
    quantization: Literal["none", "4bit"] = field(default="none", metadata={"help": "load local models in 4-bit"})
    limit: int | None = field(default=None, metadata={"help": "only the first N items per fold (smoke runs)"})
    image_root: str | None = field(default=None, metadata={"help": "image folder (default: the one the build used)"})
    tokenizer: Literal["char", "jieba"] = field(default="char", metadata={"help": "ROUGE tokens: characters or jieba"})
    score_only: bool = field(default=False, metadata={"help": "score saved predictions, generate nothing"})
    retry_errors: bool = field(default=False, metadata={"help": "on resume, redo the items saved as error rows"})
    max_consecutive_errors: int = field(default=50, metadata={"help": "stop when this many samples fail in a row"})


@dataclass
class DecodingArguments:
    strategy: Literal["greedy", "beam", "sample"] = field(default="greedy", metadata={"help": "decoding strategy"})
    max_new_tokens: int = field(default=256, metadata={"help": "longest answer in tokens"})
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature (--strategy sample)"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling mass (--strategy sample)"})
    num_beams: int = field(default=4, metadata={"help": "beams (--strategy beam)"})
    repetition_penalty: float = field(default=1.05, metadata={"help": "local backend only"})

    def settings(self) -> DecodingSettings:
        return DecodingSettings(self.strategy, self.max_new_tokens, self.num_beams, self.temperature, self.top_p,
                                self.repetition_penalty)


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the option help, the usage examples above kept as written."""


def parse_args(argv: list[str] | None = None) -> tuple[EvalArguments, DecodingArguments]:
    """Options from the command line, or from a single .yaml/.yml/.json file."""
    argv = sys.argv[1:] if argv is None else argv
    parser = HfArgumentParser((EvalArguments, DecodingArguments), description=__doc__, formatter_class=_Help)
    if len(argv) == 1 and argv[0].endswith((".yaml", ".yml")):
        return parser.parse_yaml_file(argv[0])
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(argv[0])
    return parser.parse_args_into_dataclasses(args=argv)


def main(args: list[str] | None = None, wrap=None) -> dict:
    """Run the evaluation and print the table; bad input exits with status 2 and a one-line reason."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        eval_args, decoding = parse_args(args)
        results = run_evaluation(eval_args, decoding.settings(), wrap=wrap)
    except (ValueError, FileNotFoundError, ModelLoadError, EvaluationError) as exc:  # say what, no traceback
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    print((Path(eval_args.out) / "results.md").read_text(encoding="utf-8"))
    return results


if __name__ == "__main__":
    main()
