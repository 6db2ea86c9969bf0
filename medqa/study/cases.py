"""A study's cases: one image and one question each, with the prompt every arm is asked.

Raters see more than the arms when the report has more views: a dataset case whose report also has
a lateral (or frontal) film shows them side by side, the asked-about image first (`Case.views`), as a
reader would read the study; the arms are asked about the case's own image, as in evaluation.

From a built dataset's fold, each case is an evaluation item (medqa.eval.items: the conversation
up to that question, earlier answers from the reference, so every arm sees the same prompt);
from a folder, every image with every question; or from an explicit list. The patient (for
the patient-level bootstrap) is the record's `uid`, or what `patient_pattern` takes from the
image's file name (Open-i: `CXR54_IM-2145-1001.png` -> `CXR54`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from medqa.core.conversation import ConversationFormat
from medqa.core.imaging import ImageError, load_image, resolve_image_path
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.eval.items import EvalItem, build_items
from medqa.study.definition import CaseSource, Study, StudyError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm", ".dicom")


@dataclass(frozen=True)
class Case:
    """One case: 1-based number, patient, source image, question, and the prompt the arms answer."""

    case_id: str
    number: int
    patient: str
    source_image: str
    question: str
    prompt: list = field(repr=False)
    reference: str | None = None
    qtype: str | None = None
    views: tuple[str, ...] = ()  # the report's other images, shown to raters beside the case's own

    def item(self) -> EvalItem:
        """The case as an evaluation item, so `prepare` runs the evaluation's own generation code."""
        return EvalItem(self.case_id, self.case_id, 0, self.qtype or "study", self.question, self.reference or "",
                        self.prompt, self.source_image)


def _patient(pattern: str, image: str) -> str:
    stem = Path(image).name.split(".")[0]
    match = re.search(pattern, Path(image).name)
    return match.group(1) if match and match.groups() else stem


def _prompt(image: str, question: str) -> list[dict]:
    return [ConversationFormat.user_turn(question, image=image)]


def _dataset_cases(source: CaseSource) -> list[Case]:
    try:
        meta = load_dataset_meta(source.dataset)
        records = read_folds(source.dataset, [source.fold])
    except (FileNotFoundError, ValueError) as exc:
        raise StudyError(f"cases.dataset: {exc}") from None
    root = meta.get("image_root")
    filled, uids, report_images = [], {}, {}
    for record in records:
        # Image paths resolved against the dataset's image root; build_items puts them into the placeholders.
        filled.append(record | {"images": [str(resolve_image_path(p, root)) for p in record.get("images") or []]})
        uids[record["id"]] = str(record.get("uid") or record["id"])
        report_images.setdefault(uids[record["id"]], []).extend(filled[-1]["images"][:1])  # one record per view
    cases, taken = [], {}
    for item in build_items(filled, f"{source.dataset} fold {source.fold}"):
        if (source.qtypes and item.qtype not in source.qtypes) or not item.image:
            continue
        if taken.get(item.record_id, 0) >= source.per_record:
            continue
        taken[item.record_id] = taken.get(item.record_id, 0) + 1
        uid = uids[item.record_id]
        views = tuple(dict.fromkeys(v for v in report_images[uid] if v != str(item.image)))
        cases.append(Case(item.key, len(cases) + 1, uid, str(item.image), item.question, item.prompt,
                          item.reference, item.qtype, views))
        if source.limit and len(cases) >= source.limit:
            break
    return cases


def _folder_cases(source: CaseSource) -> list[Case]:
    folder = source.images
    if not folder or not folder.is_dir():
        raise StudyError(f"cases.images: {folder} is not a folder")
    images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not images:
        raise StudyError(f"cases.images: no PNG, JPEG or DICOM files in {folder}")
    cases = []
    for path in images:
        for k, question in enumerate(source.questions):
            rel = path.relative_to(folder).as_posix()
            cases.append(Case(f"{rel}#{k}", len(cases) + 1, _patient(source.patient_pattern, path.name), str(path),
                              question, _prompt(str(path), question)))
    return cases[: source.limit] if source.limit else cases


def _item_cases(source: CaseSource, study_path: Path) -> list[Case]:
    cases = []
    for k, item in enumerate(source.items):
        if not Path(item["image"]).is_file():
            raise StudyError(f"{study_path}:{item['line']}: case image {item['image']} does not exist")
        patient = item["patient"] or _patient(source.patient_pattern, item["image"])
        cases.append(Case(f"item{k + 1}", k + 1, patient, item["image"], item["question"],
                          _prompt(item["image"], item["question"]), item.get("reference")))
    return cases[: source.limit] if source.limit else cases


def build_cases(study: Study) -> list[Case]:
    """The study's cases in their 1-based order; StudyError when there are none or a source is wrong."""
    source = study.cases
    if source.kind == "dataset":
        cases = _dataset_cases(source)
    elif source.kind == "folder":
        cases = _folder_cases(source)
    else:
        cases = _item_cases(source, study.path)
    if not cases:
        raise StudyError(f"{study.path}: the cases section selects no case (check fold, qtypes and the images)")
    return cases


def case_image_name(case: Case) -> str:
    """The file name of a case's image as raters get it: a hash, so the name says nothing about the patient."""
    return hashlib.sha256("\n".join((case.source_image, *case.views)).encode()).hexdigest()[:16] + ".png"


VIEW_HEIGHT = 1024  # side-by-side views are scaled to one height, at most this
VIEW_GAP = 12


def side_by_side(images: list) -> object:
    """The views in a row on black, scaled to one height (the smallest, at most VIEW_HEIGHT)."""
    from PIL import Image

    height = min(VIEW_HEIGHT, *(im.height for im in images))
    scaled = [im.resize((max(1, round(im.width * height / im.height)), height)) for im in images]
    row = Image.new("RGB", (sum(im.width for im in scaled) + VIEW_GAP * (len(scaled) - 1), height))
    x = 0
    for im in scaled:
        row.paste(im.convert("RGB"), (x, 0))
        x += im.width + VIEW_GAP
    return row


def export_case_image(case: Case, folder: Path) -> Path:
    """Write the case's image (with the report's other views beside it) as an 8-bit PNG (DICOM windowed, tags
    dropped) once; its path."""
    out = folder / case_image_name(case)
    if out.is_file():
        return out
    try:
        image = load_image(case.source_image)
        if case.views:
            image = side_by_side([image, *(load_image(v) for v in case.views)])
    except (ImageError, OSError) as exc:
        raise StudyError(f"case {case.number} ({case.case_id}): {exc}") from None
    folder.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".part")
    image.save(partial, format="PNG")
    partial.replace(out)  # never a half-written image under the final name
    return out
