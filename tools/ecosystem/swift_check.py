"""ms-swift's own loader and template over medqa's sharegpt export (run with ms-swift's Python).

For each fold K: `swift.dataset.load_dataset` (AutoPreprocessor, strict) reads
`exports/sharegpt/train_not_K.json` and `fold_K.json` exactly as `swift sft --dataset ...
--val_dataset ...` would, and the `qwen2_5_vl` template encodes every row, opening each image
through ROOT_IMAGE_DIR (set it to the image root in exports/export.json). The token ids and
labels go to a JSON file that `compare.py` checks against medqa's encoder.

    ROOT_IMAGE_DIR=IMAGES MAX_PIXELS=200704 python swift_check.py DATA/exports/sharegpt --model M --out s.json
"""

import argparse
import json
import os
import sys
from pathlib import Path


def encode_all(path: Path, template) -> list[dict]:
    from swift.dataset import load_dataset

    dataset, _ = load_dataset([str(path)], num_proc=1, strict=True, load_from_cache_file=False)
    rows = []
    for row in dataset:
        encoded = template.encode(row)
        # The ids it trains on: the qwen2_5_vl template expands each <|image_pad|> to the image's tokens here
        # (swift/template/templates/qwen.py, _encode), so compare.py counts them in these ids.
        rows.append({"input_ids": list(encoded["input_ids"]), "labels": list(encoded["labels"])})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sharegpt_dir", type=Path)
    parser.add_argument("--model", required=True, help="a local Qwen2.5-VL folder (medqa.tiny builds one)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not os.environ.get("ROOT_IMAGE_DIR"):
        print("error: set ROOT_IMAGE_DIR to the image root in exports/export.json", file=sys.stderr)
        return 2
    from swift.model import get_processor
    from swift.template import get_template

    processor = get_processor(args.model, model_type="qwen2_5_vl", use_hf=True, download_model=False)
    template = get_template(processor, template_type="qwen2_5_vl", max_length=10**6)
    template.set_mode("train")
    # ms-swift's Qwen2-VL template hard-codes the real checkpoints' <|image_pad|> id (151655; qwen.py,
    # Qwen2VLTemplate.image_token_id) and expands only that id; the tiny model's locally trained tokenizer puts the
    # token elsewhere, so without this the check would see one unexpanded placeholder per image. Real Qwen2.5-VL
    # checkpoints have 151655, so what is checked here is the expansion users get.
    tokenizer = getattr(processor, "tokenizer", processor)
    template.image_token_id = tokenizer.convert_tokens_to_ids("<|image_pad|>")
    template.video_token_id = tokenizer.convert_tokens_to_ids("<|video_pad|>")
    results = {}
    for path in sorted(args.sharegpt_dir.glob("fold_*.json")):
        k = int(path.stem.removeprefix("fold_"))
        results[f"fold_{k}"] = {"train": encode_all(args.sharegpt_dir / f"train_not_{k}.json", template),
                                "eval": encode_all(path, template) if json.loads(path.read_text()) else []}
        print(f"fold {k}: train {len(results[f'fold_{k}']['train'])} rows, eval {len(results[f'fold_{k}']['eval'])}")
    args.out.write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
