"""Saved predictions: one JSONL file per model and fold, appended as items are answered, so a run resumes.

A sample that fails (a corrupt image, an endpoint error) becomes an error row `{"error": "..."}`,
is counted, and is scored as an empty prediction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PIL import Image

from medqa.core.imaging import load_image, resolve_image_path
from medqa.core.redact import redact
from medqa.eval.config import EvalArguments
from medqa.eval.items import EvalItem, EvaluationError

log = logging.getLogger("medqa.eval")


class Predictor(Protocol):
    """Anything that answers evaluation items: a model backend or a baseline."""

    def predict(self, items: Sequence[EvalItem]) -> list[str]: ...


def predictions_dir(out: str | Path, name: str) -> Path:
    """Where a model's prediction files go: a readable slug plus a hash, so names never collide."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80]
    return Path(out) / "predictions" / f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def read_predictions(path: Path) -> dict[str, dict]:
    """Saved rows by key (the last row of a key wins); a torn last line from a killed run is dropped."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    rows, lines = {}, text.split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if n == len(lines):  # no newline after it: the write was cut off, the item is simply redone
                log.warning("%s: dropping an unfinished last line (the run was stopped mid-write)", path)
                text = text[: len(text) - len(line)]
                path.write_text(text, encoding="utf-8")
                break
            raise EvaluationError(f"{path}:{n}: not a JSON line; repair or delete the file") from None
        if not isinstance(row, dict) or "key" not in row:
            raise EvaluationError(f"{path}:{n}: not a medqa prediction row (no 'key'); repair or delete the file")
        rows[row["key"]] = row
    if rows and not text.endswith("\n"):  # a complete last row without its newline: the next append needs one
        with path.open("a", encoding="utf-8") as f:
            f.write("\n")
    return rows


def check_run_info(directory: Path, info: dict) -> None:
    """Refuse to resume predictions made with other settings: a table must not mix decoding runs."""
    path = directory / "run.json"
    if path.is_file():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved != info:
            raise EvaluationError(f"{directory} holds predictions made with other settings ({saved}, now {info}); "
                                  f"use another --out or delete that folder")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _rows_for(predictor: Predictor, batch: Sequence[EvalItem]) -> list[dict]:
    """Rows for a batch; when the batch fails, each item alone, so one bad sample costs one error row."""
    try:
        answers = predictor.predict(batch)
        if len(answers) != len(batch):
            raise RuntimeError(f"{len(answers)} answers for {len(batch)} prompts")
        return [_row(item, prediction=answer) for item, answer in zip(batch, answers, strict=True)]
    except Exception as exc:  # any per-sample failure is recorded and the run goes on
        if len(batch) > 1:
            return [row for item in batch for row in _rows_for(predictor, [item])]
        # An endpoint's error body may echo the key it was sent: the row and the log keep it out.
        error = redact(f"{type(exc).__name__}: {exc}")
        log.warning("%s failed: %s", batch[0].key, error)
        return [_row(batch[0], prediction="", error=error)]


def _row(item: EvalItem, **extra) -> dict:
    return {"key": item.key, "id": item.record_id, "turn": item.turn, "qtype": item.qtype,
            "question": item.question, "reference": item.reference, **extra}


def predict_fold(get_predictor: Callable[[], Predictor], items: Sequence[EvalItem], path: Path,
                 args: EvalArguments) -> dict[str, dict]:
    """Predict the items not yet saved in `path`, appending each batch as it is made; all rows by key."""
    done = read_predictions(path)
    todo = [it for it in items if it.key not in done or (args.retry_errors and "error" in done[it.key])]
    log.info("%s: %d items, %d already saved, %d to predict", path, len(items), len(items) - len(todo), len(todo))
    if not todo:
        return done
    predictor, failed_in_row = get_predictor(), 0  # loaded only when there is work left
    with path.open("a", encoding="utf-8") as f:
        for start in range(0, len(todo), args.batch_size):
            rows = _rows_for(predictor, todo[start: start + args.batch_size])
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            f.flush()  # in the OS's hands now: a killed run keeps it (no fsync: that costs ~ms per batch)
            for row in rows:
                done[row["key"]] = row
                failed_in_row = failed_in_row + 1 if "error" in row else 0
            if failed_in_row >= args.max_consecutive_errors:
                raise EvaluationError(f"{failed_in_row} samples in a row failed (last: {rows[-1]['error']}); the "
                                      f"model or endpoint looks broken. Rows so far are saved in {path}; fix the "
                                      f"cause and rerun with --retry_errors true")
    return done


# -- image ablation ------------------------------------------------------------------------------
BLANK_GREY = 128  # the uniform grey that replaces every pixel of the film


class BlankImages:
    """A predictor asked the same items with every image replaced by a uniform grey one of the same size.

    Only the pixels change: the same prompt, the same number of image tokens (same size), the same
    model and decoding. Whatever a model loses here it owed to reading the film. An image that
    cannot be read fails as it would unablated (an error row). Baselines see no image at all
    (retrieval's image vote is gone).
    """

    def __init__(self, inner: Predictor, image_root: str | Path | None) -> None:
        self.inner, self.image_root, self.sizes = inner, image_root, {}

    def _blank(self, image) -> Image.Image:
        if isinstance(image, (str, Path)):
            key = str(image)
            if key not in self.sizes:
                self.sizes[key] = load_image(resolve_image_path(image, self.image_root)).size
            size = self.sizes[key]
        else:
            size = image.size
        return Image.new("RGB", size, (BLANK_GREY,) * 3)

    def _messages(self, messages: list[dict]) -> list[dict]:
        out = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, list):
                content = [{**part, "image": self._blank(part["image"])}
                           if part.get("type") == "image" and part.get("image") is not None else part
                           for part in content]
            out.append({**message, "content": content})
        return out

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        blank = [dataclasses.replace(item, prompt=self._messages(item.prompt), image=None) for item in items]
        return self.inner.predict(blank)
