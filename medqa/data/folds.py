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
    """The records of the given folds, in fold order; a missing fold file or a line that is not JSON is a clear
    error (ValueError naming the file and line)."""
    records = []
    for k in folds:
        path = fold_path(data_dir, k)
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return records


class EmptyFoldError(ValueError):
    """A fold without a single record: training or evaluating on it would give meaningless numbers."""


def fold_path(data_dir: str | Path, k: int) -> Path:
    """The file of fold `k`; a missing one is a clear error."""
    path = Path(data_dir) / f"fold_{k}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: fold {k} does not exist in {data_dir}")
    return path


def require_records(data_dir: str | Path, folds: list[int], role: str = "") -> None:
    """EmptyFoldError naming every fold of `folds` that has no record (a build with more folds than patients)."""
    empty = []
    for k in folds:
        with fold_path(data_dir, k).open(encoding="utf-8") as f:
            if not any(line.strip() for line in f):
                empty.append(k)
    if empty:
        which = ", ".join(map(str, empty))
        raise EmptyFoldError(
            f"fold(s) {which}{f' ({role})' if role else ''} of {data_dir} have no records: the dataset was built with "
            f"more folds than it had patients. Rebuild it with fewer --folds, or leave fold(s) {which} out")
