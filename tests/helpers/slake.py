"""A SLAKE folder for tests: the real-format annotation subset (tests/fixtures/slake) with generated images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from tests.helpers.paths import SLAKE_FIXTURE

SPLIT_FILES = ("train.json", "validate.json", "test.json")


def entries(split: str) -> list[dict]:
    """The fixture's raw entries of one split, as SLAKE publishes them."""
    return json.loads((SLAKE_FIXTURE / f"{split}.json").read_text(encoding="utf-8"))


def make_slake_dir(root: Path, images: bool = True) -> Path:
    """root/Slake1.0 with the fixture's three files and, with `images`, a generated JPEG per img_name."""
    out = root / "Slake1.0"
    out.mkdir(parents=True)
    for name in SPLIT_FILES:
        shutil.copy(SLAKE_FIXTURE / name, out / name)
    if images:
        names = {(e["img_name"], e["img_id"]) for split in ("train", "validate", "test") for e in entries(split)}
        for img_name, img_id in sorted(names):
            path = out / "imgs" / img_name
            path.parent.mkdir(parents=True, exist_ok=True)
            pixels = np.random.default_rng(img_id).integers(0, 255, (48, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(path, "JPEG")
    return out
