"""`load_dataset(DIR)` on a medqa dataset folder, and a stock Qwen chat template over the rows it returns.

Run it with any Python that has `datasets` and `transformers` (run.sh runs it with LLaMA-Factory's,
which pins datasets 4.0, and with medqa's, which has 5.x). Checks: one split per non-empty fold
with identical features and the fold files' rows in order; every row renders through the model
folder's chat template (Qwen2-VL's, unchanged) with one vision block per image and every text
part present, although datasets 4 hands content parts back with null keys.

    python datasets_check.py DATA --model MODEL
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--model", required=True, help="a folder whose tokenizer has Qwen2-VL's chat template")
    args = parser.parse_args()
    import datasets
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as cache:
        ds = datasets.load_dataset(str(args.data), cache_dir=cache)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    problems, rows = [], 0
    folds = sorted(args.data.glob("fold_*.jsonl"))
    expected = {p.stem: [json.loads(line)["id"] for line in p.open(encoding="utf-8")] for p in folds}
    expected = {split: ids for split, ids in expected.items() if ids}
    if sorted(ds) != sorted(expected):
        problems.append(f"splits {sorted(ds)}, expected {sorted(expected)}")
    first = next(iter(ds.values())).features
    problems += [f"{split}: features differ from the first split's" for split in ds if ds[split].features != first]
    for split in ds:
        if ds[split]["id"] != expected.get(split):
            problems.append(f"{split}: rows differ from {split}.jsonl")
        for row in ds[split]:
            rows += 1
            text = tokenizer.apply_chat_template(row["messages"], tokenize=False)
            texts = [p["text"] for m in row["messages"] for p in m["content"] if p["type"] == "text"]
            if text.count("<|vision_start|>") != len(row["images"]) or not all(t in text for t in texts):
                problems.append(f"{split} {row['id']}: the chat template renders {text.count('<|vision_start|>')} "
                                f"images for {len(row['images'])}, or drops text")
    print(f"datasets {datasets.__version__}: {len(ds)} splits, {rows} rows rendered by the stock chat template, "
          f"{len(problems)} problems; content features: {first['messages'].feature['content']}")
    for problem in problems:
        print("  " + problem)
    return 1 if problems or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
