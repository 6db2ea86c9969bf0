"""LLaMA-Factory's own loader over medqa's sharegpt export (run with LLaMA-Factory's Python, not medqa's).

For each ready YAML `exports/sharegpt/llamafactory_fold_K.yaml`: parse it with LLaMA-Factory's
argument parser (only the model swapped for a local one, and bf16 off on a CPU), load the train
and eval datasets with `get_dataset` (template qwen2_vl, images from `media_dir`) and write each
row's token ids and labels to a JSON file that `compare.py` checks against medqa's encoder.

    python llamafactory_check.py DATA/exports/sharegpt --model TINY_MODEL --out lf.json
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml


def rows(dataset) -> list[dict]:
    if dataset is None:
        return []
    return [{"input_ids": list(r["input_ids"]), "labels": list(r["labels"]), "images": r["images"]} for r in dataset]


def check_yaml(path: Path, model: str, workdir: str) -> dict:
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(model_name_or_path=model, output_dir=workdir, bf16=False, overwrite_cache=True)
    model_args, data_args, training_args, *_ = get_train_args(config)
    tokenizer_module = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
    module = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    return {"dataset": config["dataset"], "eval_dataset": config["eval_dataset"], "media_dir": config["media_dir"],
            "train": rows(module.get("train_dataset")), "eval": rows(module.get("eval_dataset"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sharegpt_dir", type=Path)
    parser.add_argument("--model", required=True, help="a local Qwen2-VL/2.5-VL folder (medqa.tiny builds one)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    configs = sorted(args.sharegpt_dir.glob("llamafactory_fold_*.yaml"))
    if not configs:
        print(f"error: no llamafactory_fold_*.yaml in {args.sharegpt_dir}", file=sys.stderr)
        return 2
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for path in configs:
            name = path.stem.removeprefix("llamafactory_")
            results[name] = check_yaml(path, args.model, workdir)
            print(f"{path.name}: train {len(results[name]['train'])} rows, eval {len(results[name]['eval'])} rows")
    args.out.write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
