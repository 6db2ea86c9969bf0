"""The README's TRL recipe on medqa's exports/hf, 2 steps on a tiny model on a CPU (run with TRL's Python).

The README's ```python block that imports trl is run as written, with four things swapped: the model
(a local tiny one), the data folder, where it saves, and the length of training (2 steps, float32 on a
CPU, a loss every step). Before training, every training row goes through the trainer's own collator,
and the image tokens in the token ids it would train on must be the count the Qwen2-VL image processor's
smart_resize gives for that film within the recipe's pixel budget (12,544 to 200,704 pixels), one run of
tokens per film. Prints the TRL version and the losses as JSON.

    python trl_check.py DATA/exports/hf --model TINY_MODEL --readme README.md
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

MIN_PIXELS, MAX_PIXELS = 12544, 200704  # as the README's AutoProcessor line (its size=)


def recipe(readme: Path, model: str, data: str, out: str) -> str:
    """The README's TRL block with the model, data, output folder and training length swapped."""
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    code = next(b for b in blocks if "from trl import" in b)
    swaps = [(r'^model_id, data, k = .*$', f"model_id, data, k = {model!r}, {data!r}, 0"),
             (r'output_dir=f"saves/trl-lora-fold\{k\}"', f"output_dir={out!r}"),
             (r'bf16=True, report_to="none"', 'bf16=False, use_cpu=True, report_to="none", max_steps=2, '
                                              'logging_steps=1, save_strategy="no"'),
             (r"^trainer\.train\(\)$", "")]
    for pattern, new in swaps:
        code, n = re.subn(pattern, new, code, flags=re.M)
        if n != 1:
            raise SystemExit(f"error: the README's TRL block changed: {pattern!r} matched {n} times")
    return code


def image_tokens_differ(trainer, rows, pad: int) -> list[str]:
    """Rows whose collated token ids do not hold smart_resize's number of image tokens per film."""
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    ip = trainer.processing_class.image_processor
    factor = ip.patch_size * ip.merge_size
    problems = []
    for row in rows:
        ids = trainer.data_collator([row])["input_ids"][0].tolist()
        runs: list[int] = []
        for i, token in enumerate(ids):
            if token == pad and i and ids[i - 1] == pad:
                runs[-1] += 1
            elif token == pad:
                runs.append(1)
        expected = [(h // factor) * (w // factor) for h, w in
                    (smart_resize(im.height, im.width, factor, MIN_PIXELS, MAX_PIXELS) for im in row["images"])]
        if runs != expected:
            problems.append(f"{row['id']}: image tokens {runs} in the trained ids, smart_resize gives {expected}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="a dataset's exports/hf folder")
    parser.add_argument("--model", required=True, help="a local Qwen2.5-VL folder (medqa.tiny builds one)")
    parser.add_argument("--readme", type=Path, required=True)
    args = parser.parse_args()
    import trl

    with tempfile.TemporaryDirectory() as out:
        scope: dict = {}
        exec(recipe(args.readme, args.model, str(args.data), out), scope)  # noqa: S102 (the README's own code)
        trainer = scope["trainer"]
        pad = trainer.processing_class.tokenizer.convert_tokens_to_ids("<|image_pad|>")
        problems = image_tokens_differ(trainer, scope["train"], pad)
        trainer.train()
    losses = [round(e["loss"], 4) for e in trainer.state.log_history if "loss" in e]
    print(json.dumps({"tool": "TRL", "version": trl.__version__, "rows": len(scope["train"]), "losses": losses,
                      "image_token_problems": problems}))
    return 1 if problems or len(losses) != 2 else 0


if __name__ == "__main__":
    sys.exit(main())
