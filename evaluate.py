"""Evaluate models and baselines on the medqa k-fold dataset: the paper's Table II, per question type, with intervals.

    python evaluate.py --data data/openi-zh --folds 0-4 --model Qwen/Qwen2.5-VL-7B-Instruct --out results/
    python evaluate.py --data data/openi-zh --model runs/lora-f{fold} --model baseline:majority --out results/
    python evaluate.py --data data/openi-zh --backend openai --base-url http://127.0.0.1:8000/v1 --model medqa
    python evaluate.py --data data/openi-zh --model runs/lora-f{fold} --image_ablation blank   # + grey-image rows
    python evaluate.py --data data/openi-zh --compare "runs/lora-f{fold}" baseline:question    # paired bootstrap
    python evaluate.py config.yaml                      # the same options from a YAML file
    python evaluate.py --benchmark slake --data Slake1.0 --split test --lang zh --modality X-Ray \
        --model Qwen/Qwen2.5-VL-7B-Instruct --model baseline:question --out results-slake/   # SLAKE, public

Every option also reads MEDQA_<OPTION> from the environment. Predictions are saved as they are made
(OUT/predictions/), so rerunning the same command resumes. OUT/results.json and OUT/results.md collect
every model evaluated into OUT; the logic is medqa.eval.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# Run by path (python evaluate.py): make `medqa` importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from medqa.core.config import parse_config  # noqa: E402
from medqa.core.modeling import ModelLoadError  # noqa: E402
from medqa.eval.config import OPTIONS, EvalArguments  # noqa: E402
from medqa.eval.items import EvaluationError  # noqa: E402
from medqa.eval.run import run_evaluation  # noqa: E402
from medqa.eval.slake import run_slake  # noqa: E402
from medqa.serve.decoding import DecodingSettings  # noqa: E402


def parse_args(argv: list[str] | None = None, env: dict[str, str] | None = None) -> tuple[EvalArguments,
                                                                                            DecodingSettings]:
    """evaluate.py's options from the command line, a YAML file and MEDQA_* variables."""
    return parse_config(OPTIONS, argv, env, prog="python evaluate.py", description=__doc__)


def main(args: list[str] | None = None, wrap=None) -> dict:
    """Run the evaluation and print the table; bad input exits with status 2 and a one-line reason."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    eval_args, decoding = parse_args(args)
    try:
        run = run_slake if eval_args.benchmark == "slake" else run_evaluation
        results = run(eval_args, decoding, wrap=wrap)
    except (ValueError, FileNotFoundError, ModelLoadError, EvaluationError) as exc:  # say what, no traceback
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    print((Path(eval_args.out) / "results.md").read_text(encoding="utf-8"))
    return results


if __name__ == "__main__":
    main()
