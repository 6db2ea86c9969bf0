"""exports/hf: the dataset as vision-language datasets on the Hub are, self-contained, for TRL and `datasets`.

    exports/hf/
      README.md          card: licence, one split per non-empty fold (fold_K -> fold_K.parquet)
      fold_K.parquet     id, uid, fold, qtypes, messages, images

`datasets.load_dataset("DATA/exports/hf")` returns one split per fold whose rows go as they are into a
processor's chat template or TRL's SFTTrainer: `images` is a list of `Image()` values holding the PNG
bytes (the rows open anywhere, no image folder needed), and `messages` starts with medqa's system
prompt, so a stock chat template does not put its own "You are a helpful assistant." in its place.
Each image's place in the conversation is a `{"type": "image"}` part of the first question.
The folder's card is separate from the dataset folder's (whose `load_dataset(DATA)` reads the
fold_K.jsonl files with image paths). The files hold the images: about the image folder's size again.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from medqa.core.conversation import ConversationFormat, normalise_content, record_images
from medqa.core.files import write_atomic
from medqa.core.imaging import resolve_image_path

HF_DIR = "hf"


def features():
    """The Parquet schema: lists of structs (not the column-wise `Sequence` of dicts), images as `Image()`."""
    from datasets import Features, Image, Value

    text = Value("string")
    return Features({
        "id": text, "uid": text, "fold": Value("int64"), "qtypes": [text],
        "messages": [{"role": text, "content": [{"type": text, "text": text}]}],
        "images": [Image()],
    })


def hf_row(record: dict, fmt: ConversationFormat, root: Path) -> dict:
    """One record with the system prompt first and its images' bytes; image parts stay placeholders."""
    messages = [{"role": "system", "content": [{"type": "text", "text": fmt.system_prompt}]}]
    for message in record["messages"]:
        parts = [{"type": p["type"], "text": p["text"] if p["type"] == "text" else None}
                 for p in normalise_content(message["content"])]
        messages.append({"role": message["role"], "content": parts})
    images = [{"bytes": resolve_image_path(image, root).read_bytes(), "path": Path(str(image)).name}
              for image in record_images(record)]
    return {"id": record["id"], "uid": record.get("uid"), "fold": record.get("fold"),
            "qtypes": list(record.get("qtypes") or []), "messages": messages, "images": images}


def write_hf_export(folds: dict[int, list[dict]], out_dir: Path, fmt: ConversationFormat,
                    root: Path | None) -> list[Path]:
    """Write exports/hf for the images under `root` (every record's images must be there); files written.

    Without an image root there are no bytes to put in: the folder is removed, so no stale copy remains.
    """
    import shutil

    from datasets import Dataset

    hf = Path(out_dir) / "exports" / HF_DIR
    if root is None:
        shutil.rmtree(hf, ignore_errors=True)
        return []
    hf.mkdir(parents=True, exist_ok=True)
    written, splits = [], []
    for k, records in sorted(folds.items()):
        if not records:
            continue
        path = hf / f"fold_{k}.parquet"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            Dataset.from_list([hf_row(r, fmt, root) for r in records], features=features()).to_parquet(str(tmp))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(path)
        splits.append({"split": f"fold_{k}", "path": path.name})
    for stale in set(hf.glob("fold_*.parquet")) - set(written):  # an earlier export with more folds
        stale.unlink()
    written.append(write_atomic(hf / "README.md", _card(splits)))
    return written


def _card(splits: list[dict]) -> str:
    meta = {"license": "cc-by-nc-nd-4.0", "language": ["zh"], "task_categories": ["visual-question-answering"],
            "tags": ["medical", "radiology", "chest-x-ray"],
            "configs": [{"config_name": "default", "data_files": splits}]}
    return ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"
            "# medqa Chinese chest X-ray VQA (self-contained)\n\n"
            "One split per fold (patient-level folds). Each row: `messages` (the system prompt, then the "
            "question/answer turns; `{\"type\": \"image\"}` marks where the film goes) and `images` (the films "
            "themselves, PNG bytes). `load_dataset(\"<this folder>\")` rows go straight into a Qwen-VL processor's "
            "chat template or TRL's `SFTTrainer`. Open-i / IU X-ray data: CC BY-NC-ND 4.0, non-commercial "
            "research use.\n")
