"""Synthetic chest-film tasks that need the image, for proving that training learns.

Grey 64x64 "films" with or without a bright round blob; the question "有没有病灶？" has the
answer "有。" or "没有。". No text cue gives the answer away: only the pixels do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from medqa.core.conversation import ConversationFormat

QUESTION = "有没有病灶？"
ANSWERS = ("没有。", "有。")  # index = label


def blob_film(has_blob: bool, rng: np.random.Generator, size: int = 64) -> Image.Image:
    """A noisy grey film, with a bright disc at a random place when `has_blob`."""
    film = 0.35 + 0.08 * rng.standard_normal((size, size))
    if has_blob:
        cy, cx = rng.integers(12, size - 12, size=2)
        yy, xx = np.mgrid[:size, :size]
        film[(yy - cy) ** 2 + (xx - cx) ** 2 <= rng.integers(5, 9) ** 2] += 0.5
    return Image.fromarray((np.clip(film, 0, 1) * 255).astype(np.uint8)).convert("RGB")


def write_blob_dataset(out: str | Path, n_per_fold: int = 40, folds: int = 2, seed: int = 0,
                       varied: bool = False) -> Path:
    """A medqa dataset folder (fold_K.jsonl, dataset.json, images/) of balanced blob films.

    `varied`: a second turn whose answer grows with the sample's index, so samples carry different
    numbers of labelled tokens (what a per-micro-batch mean would weigh wrongly).
    """
    out = Path(out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    fmt = ConversationFormat()
    for k in range(folds):
        with (out / f"fold_{k}.jsonl").open("w", encoding="utf-8") as f:
            for i in range(n_per_fold):
                label = i % 2
                name = f"images/f{k}_{i}.png"
                blob_film(bool(label), rng).save(out / name)
                record = {"id": f"f{k}_{i}", "uid": f"{k}-{i}", "images": [name], "fold": k, "label": label,
                          "messages": fmt.conversation([(QUESTION, ANSWERS[label])]
                                                       + [("在哪里？", "右肺。" * (1 + i % 7))] * varied),
                          "qtypes": ["presence"]}
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    meta = {"folds": folds, "seed": seed, "image_root": str(out.resolve()), "format": fmt.name,
            "generator": {"generator": "synthetic-blob"}}
    (out / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    fmt.save(out)
    return out
