"""Reading a built dataset: its metadata and its fold files."""

from __future__ import annotations

import json
from pathlib import Path

DATASET_META = "dataset.json"


def load_dataset_meta(data_dir: str | Path) -> dict:
    """The build's `dataset.json` (folds, image root, generator); a clear error if it is not a medqa dataset."""
    path = Path(data_dir) / DATASET_META
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: build the dataset first with `python -m medqa.data build`")
    return json.loads(path.read_text(encoding="utf-8"))


def read_folds(data_dir: str | Path, folds: list[int]) -> list[dict]:
    """The records of the given folds, in fold order; a missing fold file is a clear error."""
    records = []
    for k in folds:
        path = Path(data_dir) / f"fold_{k}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: fold {k} does not exist in {data_dir}")
        with path.open(encoding="utf-8") as f:
            records.extend(json.loads(line) for line in f if line.strip())
    return records
