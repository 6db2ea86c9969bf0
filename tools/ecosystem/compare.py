"""Compare a tool's token ids (llamafactory_check.py, swift_check.py) with medqa's own encoder, record by record.

Run with medqa's Python. For every row the tool produced, encode the same dataset record
with `medqa.train.collate.SampleEncoder` (same model folder, same pixel budget) and require the
same token ids, image tokens counted in the ids the tool trains on, with one allowance each:

* the length of each run of `<|image_pad|>` tokens (LLaMA-Factory): it first shrinks an image to
  `image_max_pixels` and then lets the processor round its sides to 28 pixels, which can give
  one more row or column of patches than the processor rounding the original; the runs are
  compared as one token and the counts reported;
* labels: LLaMA-Factory and ms-swift also train the newline after each `<|im_end|>`, which medqa
  leaves out.

    python compare.py DATA lf.json --model TINY_MODEL [--tool LLaMA-Factory]
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from medqa.core.conversation import ConversationFormat  # noqa: E402
from medqa.core.modeling import ImageBudget, load_processor  # noqa: E402
from medqa.data.folds import load_dataset_meta, read_folds  # noqa: E402
from medqa.train.collate import SampleEncoder  # noqa: E402


def collapse(ids: list[int], labels: list[int], pad: int) -> tuple[list[int], list[int], list[int]]:
    """Token ids and labels with each run of `pad` as one token, and the run lengths."""
    out_ids, out_labels, runs = [], [], []
    for token, label in zip(ids, labels, strict=True):
        if token == pad and out_ids and out_ids[-1] == pad:
            runs[-1] += 1
            continue
        if token == pad:
            runs.append(1)
        out_ids.append(token)
        out_labels.append(label)
    return out_ids, out_labels, runs


def label_diff(ours: list[int], theirs: list[int], newline_id: int) -> str | None:
    """None when both train the same tokens, allowing the tool's trained newline after each answer."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a != b and not (a == -100 and b == newline_id):
            return f"position {i}: medqa {a}, tool {b}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="the dataset folder the export came from")
    parser.add_argument("results", type=Path, help="llamafactory_check.py's output")
    parser.add_argument("--model", required=True)
    parser.add_argument("--max_pixels", type=int, default=448 * 448)
    parser.add_argument("--allow", type=int, default=16, help="image tokens a tool may differ by (one row of "
                        "patches at the 448-px budget: LLaMA-Factory shrinks before its processor rounds)")
    parser.add_argument("--tool", default="the tool", help="its name, for the report")
    args = parser.parse_args()
    meta = load_dataset_meta(args.data)
    processor = load_processor(args.model, ImageBudget(max_pixels=args.max_pixels))
    encoder = SampleEncoder(processor, ConversationFormat.load_or_default(args.data), meta["image_root"],
                            max_length=10**6)
    newline = processor.tokenizer.encode("\n", add_special_tokens=False)[0]
    pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    folds = list(range(meta["folds"]))
    checked, failures, same_images, images, worst = 0, [], 0, 0, 0
    for name, result in json.loads(args.results.read_text(encoding="utf-8")).items():
        k = int(name.removeprefix("fold_"))
        expected = {"train": read_folds(args.data, [j for j in folds if j != k]), "eval": read_folds(args.data, [k])}
        for split, records in expected.items():
            if len(records) != len(result[split]):
                failures.append(f"{name} {split}: {len(result[split])} rows, {len(records)} records")
                continue
            for record, row in zip(records, result[split], strict=True):
                sample = encoder(record)
                ours_ids, ours_labels, our_runs = collapse(sample.input_ids.tolist(), sample.labels.tolist(), pad)
                their_ids, their_labels, their_runs = collapse(row["input_ids"], row["labels"], pad)
                checked += 1
                if ours_ids != their_ids:
                    failures.append(f"{name} {split} {record['id']}: token ids differ")
                    continue
                if diff := label_diff(ours_labels, their_labels, newline):
                    failures.append(f"{name} {split} {record['id']}: labels differ at {diff}")
                images += len(our_runs)
                same_images += sum(a == b for a, b in zip(our_runs, their_runs, strict=True))
                far = [(a, b) for a, b in zip(our_runs, their_runs, strict=True) if abs(a - b) > args.allow]
                if far:  # more than a row of patches apart: the tool trains on another image size
                    failures.append(f"{name} {split} {record['id']}: image tokens medqa {far[0][0]}, tool {far[0][1]}")
                worst = max([worst] + [abs(a - b) for a, b in zip(our_runs, their_runs, strict=True)])
    print(f"{args.tool}: {checked} rows compared with medqa's encoder, {len(failures)} differ; {same_images} of "
          f"{images} images get the same number of image tokens (largest difference: {worst} tokens)")
    for failure in failures[:20]:
        print("  " + failure)
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
