"""Example X-rays read in place from a folder, and reference answers from a built dataset.

Examples are never copied: the demo lists a folder (e.g. ../shared/data/openi/images) and
opens the chosen file there. When a dataset built by `python -m medqa.data build` is given, an
image it contains has reference question/answer pairs; the demo shows them and scores the
model's answer with the same `medqa.eval.metrics` ROUGE and `medqa.vocab.findings` finding F1 as evaluation.
"""

from __future__ import annotations

import re
from pathlib import Path

from medqa.app.i18n import t
from medqa.core.conversation import message_text, record_images

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm", ".dicom")
MAX_EXAMPLES = 500


def list_examples(folder: str | Path | None, limit: int = MAX_EXAMPLES) -> list[str]:
    """Image files under `folder` as sorted relative POSIX paths (empty when there is no folder)."""
    if not folder or not Path(folder).is_dir():
        return []
    root = Path(folder)
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return found[:limit]


def example_path(folder: str | Path, name: str) -> Path:
    """The file `name` inside `folder`; ValueError for anything outside it (the API takes any string)."""
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"{name!r} is not an example image")
    return path


def image_key(name: str) -> str:
    """Key shared by both spellings of an IU image: CXR54_IM-2145-1001.png = 54_IM-2145-1001.dcm.png."""
    stem = Path(name).name.lower()
    for _ in range(2):  # '.dcm.png' carries two suffixes
        for suffix in IMAGE_SUFFIXES:
            stem = stem.removesuffix(suffix)
    return re.sub(r"^cxr", "", stem)


def load_references(data_dir: str | Path | None) -> dict[str, dict]:
    """image key -> {"id", "pairs": [(question, answer), ...]} for every record of a built dataset."""
    if not data_dir:
        return {}
    from medqa.data.folds import load_dataset_meta, read_folds

    meta = load_dataset_meta(data_dir)
    refs = {}
    for record in read_folds(data_dir, list(range(int(meta.get("folds", 5))))):
        messages = record["messages"]
        pairs = [(message_text(q), message_text(a)) for q, a in zip(messages[::2], messages[1::2], strict=False)]
        refs[image_key(record_images(record)[0])] = {"id": record.get("id", ""), "pairs": pairs}
    return refs


def reference_answer(reference: dict, question: str) -> tuple[str | None, str]:
    """The reference answer to `question` when the dataset asks it, else all its answers together."""
    asked = question.strip()
    for q, a in reference["pairs"]:
        if q.strip() == asked:
            return q, a
    return None, "".join(a for _, a in reference["pairs"])


def score(answer: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L and finding F1 of one answer, exactly as evaluation computes them."""
    from medqa.eval.metrics import finding_f1, rouge

    scores = rouge([answer], [reference])
    return {"r1": scores["rouge1"], "r2": scores["rouge2"], "rl": scores["rougeL"],
            "f1": finding_f1([answer], [reference])["f1"]}


def reference_markdown(reference: dict | None, lang: str, question: str | None = None,
                       answer: str | None = None) -> str:
    """The reference panel: the dataset's pairs, and the answer's scores once there is one."""
    if reference is None:
        return t("no_reference", lang)
    lines = [t("reference_question", lang, question=q, answer=a) for q, a in reference["pairs"]]
    if question is not None and answer is not None:
        matched, ref = reference_answer(reference, question)
        note = "" if matched else " " + t("metrics_all", lang)
        lines.insert(0, t("metrics", lang, **score(answer, ref)) + note)
    return "\n\n---\n\n".join(lines)
