"""SLAKE (Liu et al. 2021, "SLAKE: A Semantically-Labeled Knowledge-Enhanced Dataset for Medical VQA") as
published: `train.json`, `validate.json` (the Hugging Face copy names it `validation.json`) and `test.json`,
images under `imgs/`.

Each file is a JSON list of questions, one object each:

    {"img_id": 102, "img_name": "xmlab102/source.jpg", "question": "Does the picture contain liver?",
     "answer": "No", "q_lang": "en", "location": "Lung", "modality": "CT", "answer_type": "CLOSED",
     "base_type": "vqa", "content_type": "Organ", "triple": ["vhead", "_", "_"], "qid": 11937}

`q_lang` is en or zh (the same images are asked in both), `modality` X-Ray, CT or MRI, `answer_type`
CLOSED or OPEN, `content_type` one of Organ, Position, Abnormality, KG, Modality, Size, Plane, Quantity,
Color, Shape. The splits are by question, not by image: most test images also appear in train.

    questions = read_split("Slake1.0", "test", SkipLog())
    select(questions, lang="zh", modality="X-Ray")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from medqa.data.records import SkipLog

SPLITS = ("train", "validate", "test")
SPLIT_FILES = {"train": ("train.json",), "validate": ("validate.json", "validation.json"), "test": ("test.json",)}
LANGS = ("zh", "en", "both")
MODALITIES = ("X-Ray", "CT", "MRI", "all")
ANSWER_TYPES = ("CLOSED", "OPEN")
IMAGE_DIR = "imgs"
_REQUIRED = ("qid", "img_id", "img_name", "question", "answer", "q_lang", "answer_type")


class SlakeError(ValueError):
    """A SLAKE folder or file that cannot be read at all; the message names the file."""


@dataclass(frozen=True)
class SlakeQuestion:
    """One SLAKE question about one image, with the fields medqa reads."""

    qid: int
    img_id: int
    img_name: str  # relative to SLAKE_DIR/imgs
    question: str
    answer: str
    lang: str  # q_lang: en or zh
    answer_type: str  # CLOSED or OPEN
    content_type: str
    modality: str
    split: str
    location: str = ""
    base_type: str = ""

    @property
    def cluster(self) -> str:
        """The bootstrap unit: the image (its questions in both languages are not independent)."""
        return f"img{self.img_id}"


def split_path(root: str | Path, split: str) -> Path:
    """The annotation file of `split` in a SLAKE folder; a clear error naming what is missing."""
    if split not in SPLITS:
        raise SlakeError(f"unknown SLAKE split {split!r}: use one of {', '.join(SPLITS)}")
    root = Path(root)
    if not root.is_dir():
        raise SlakeError(f"SLAKE folder {root} not found (it holds train.json, validate.json, test.json, imgs/)")
    for name in SPLIT_FILES[split]:
        if (root / name).is_file():
            return root / name
    raise SlakeError(f"{root / SPLIT_FILES[split][0]} not found: is {root} the SLAKE folder (Slake1.0)?")


def _question(entry, split: str) -> SlakeQuestion:
    """One entry as a SlakeQuestion; ValueError saying which field is wrong."""
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in _REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if str(entry["q_lang"]) not in ("en", "zh"):
        raise ValueError(f"q_lang {entry['q_lang']!r} is neither en nor zh")
    if str(entry["answer_type"]).upper() not in ANSWER_TYPES:
        raise ValueError(f"answer_type {entry['answer_type']!r} is neither CLOSED nor OPEN")
    try:
        qid, img_id = int(entry["qid"]), int(entry["img_id"])
    except (TypeError, ValueError):
        raise ValueError(f"qid {entry['qid']!r} / img_id {entry['img_id']!r} are not integers") from None
    return SlakeQuestion(qid, img_id, str(entry["img_name"]), str(entry["question"]).strip(),
                         str(entry["answer"]).strip(), str(entry["q_lang"]), str(entry["answer_type"]).upper(),
                         str(entry.get("content_type") or "unknown"), str(entry.get("modality") or "unknown"),
                         split, str(entry.get("location") or ""), str(entry.get("base_type") or ""))


def read_split(root: str | Path, split: str, skips: SkipLog | None = None) -> list[SlakeQuestion]:
    """Every question of one split; a malformed entry is skipped and logged (file and index), never fatal."""
    path = split_path(root, split)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SlakeError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(data, list):
        raise SlakeError(f"{path}: expected a JSON list of questions, found {type(data).__name__}")
    skips = skips if skips is not None else SkipLog()
    out, seen = [], set()
    for n, entry in enumerate(data):
        try:
            question = _question(entry, split)
        except ValueError as exc:
            skips.skip("malformed SLAKE entry", f"{path}[{n}]", str(exc))
            continue
        if question.qid in seen:
            skips.skip("duplicate SLAKE qid", f"{path}[{n}]", f"qid {question.qid}")
            continue
        seen.add(question.qid)
        out.append(question)
    return out


def check_filters(lang: str, modality: str) -> None:
    """ValueError for a --lang or --modality SLAKE does not have."""
    if lang not in LANGS:
        raise ValueError(f"--lang {lang!r}: use one of {', '.join(LANGS)}")
    if modality not in MODALITIES:
        raise ValueError(f"--modality {modality!r}: use one of {', '.join(MODALITIES)}")


def select(questions: list[SlakeQuestion], lang: str = "both", modality: str = "all") -> list[SlakeQuestion]:
    """The questions in `lang` (zh, en or both) about images of `modality` (X-Ray, CT, MRI or all)."""
    check_filters(lang, modality)
    return [q for q in questions
            if (lang == "both" or q.lang == lang) and (modality == "all" or q.modality == modality)]


def read_selected(root: str | Path, splits: tuple[str, ...], lang: str, modality: str,
                  skips: SkipLog | None = None) -> list[SlakeQuestion]:
    """The selected questions of several splits, in split order."""
    return [q for split in splits for q in select(read_split(root, split, skips), lang, modality)]


def image_root(root: str | Path) -> Path:
    """The folder SLAKE's img_name paths are relative to."""
    return Path(root).resolve() / IMAGE_DIR
