"""Build the Chinese chest X-ray VQA dataset: Open-i reports in, k patient-level folds of conversations out.

The output is written into a new folder and swapped in only when complete (medqa.data.outdir).
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from medqa.core.conversation import ConversationFormat
from medqa.core.files import write_atomic
from medqa.data.card import write_card
from medqa.data.config import BuildArguments
from medqa.data.export import write_exports
from medqa.data.folds import DATASET_META
from medqa.data.images import ImageIndex
from medqa.data.openi import read_reports
from medqa.data.outdir import cache_files, check_out, discard, new_staging, publish
from medqa.data.qa import QAGenerator, QAPair, stored_label
from medqa.data.records import Report, SkipLog
from medqa.data.rule import projection_pair
from medqa.data.rule.phrasing import Wording
from medqa.data.split import assign_folds
from medqa.data.verify import Verifier

log = logging.getLogger("medqa.data")


@dataclass
class BuildResult:
    """What a build wrote and what it skipped."""

    out: Path
    folds: dict[int, list[dict]]
    skips: SkipLog
    n_reports_read: int
    seconds: float
    files: list[Path] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        return sum(len(v) for v in self.folds.values())

    @property
    def empty_folds(self) -> list[int]:
        return [k for k, records in sorted(self.folds.items()) if not records]


class BuildError(RuntimeError):
    """A build that produced nothing worth keeping; --out is left exactly as it was."""


def build_dataset(config: BuildArguments, generator: QAGenerator) -> BuildResult:
    """Read, filter, generate and split; write into a new folder that replaces --out only once complete.

    Bad records are skipped and counted, never fatal. Before any work, OutputError when --out holds
    files medqa did not write (unless --overwrite). BuildError when no conversation came out.
    """
    start = time.perf_counter()
    carried = cache_files(config.cache_path, config.out)
    check_out(config.out, config.overwrite, carried)
    skips = SkipLog()
    reports = read_reports(config.reports, config.projections, skips)
    n_read = len(reports)
    index = ImageIndex(config.images_dir) if config.images_dir else None
    reports = [r for r in reports if _keep_images(r, index, skips)]
    verifier = Verifier()  # every generator's answers are read back and kept only if the report supports them
    qa = verifier.filter(reports, generator.generate_all(reports, skips), skips)
    records_by_uid = {r.uid: _records_for(r, qa[r.uid], generator.name, config.seed, verifier)
                      for r in reports if qa.get(r.uid)}
    if not records_by_uid:
        raise BuildError(f"no conversation was built from {n_read} report(s) of {config.reports} "
                         f"(skipped: {skips.summary()}); {config.out} was left as it was")
    fold_of = assign_folds(records_by_uid, config.folds, config.seed)
    folds: dict[int, list[dict]] = {k: [] for k in range(config.folds)}
    for uid, records in records_by_uid.items():
        for record in records:
            record["fold"] = fold_of[uid]
        folds[fold_of[uid]].extend(records)
    result = BuildResult(config.out, folds, skips, n_read, 0.0)
    if result.empty_folds:
        log.warning("fold(s) %s are empty: %d patient(s) cannot fill %d folds; train.py and evaluate.py refuse "
                    "an empty fold", ", ".join(map(str, result.empty_folds)), len(records_by_uid), config.folds)
    staging = new_staging(config.out)
    try:
        written = _write_outputs(config, result, generator, staging, verifier.card_info())
        publish(staging, config.out, carried)
    except BaseException:  # Ctrl-C or a crash while writing: the previous dataset stays as it was
        discard(staging)
        raise
    result.files = [Path(config.out) / path.relative_to(staging) for path in written]
    result.seconds = time.perf_counter() - start
    return result


def _keep_images(report: Report, index: ImageIndex | None, skips: SkipLog) -> bool:
    """Resolve the report's images on disk (when an image folder is given); False if none is left."""
    if not report.images:
        skips.skip("report without image", report.source or report.uid)
        return False
    if index is None:
        return True
    kept = []
    for image in report.images:
        found = index.resolve(image.filename)
        if found is None:
            skips.skip("image missing on disk", report.source or report.uid, image.filename)
        else:
            kept.append(type(image)(found, image.projection))
    report.images = kept
    return bool(kept)


def _records_for(report: Report, pairs: list[QAPair], generator: str, seed: int,
                 verifier: Verifier) -> list[dict]:
    """One multi-turn conversation per image: the projection question, then the report's questions."""
    fmt = ConversationFormat()
    records = []
    # 正位 is glossed with the view the report names: its sentences first ('This is an apical lordotic view'),
    # then its exam title ('Xray Chest PA and Lateral').
    body = f"{report.findings} {report.impression}"
    for image in report.images:
        w = Wording(random.Random(f"{seed}:{image.filename}"))
        extra = projection_pair(image.projection, report.technique, w, body)
        if extra and not verifier.keep_projection(report, extra):
            extra = None
        turns = ([extra] if extra else []) + list(pairs)
        records.append({
            "id": Path(image.filename).name.removesuffix(".png").removesuffix(".dcm"),
            "uid": report.uid,
            "images": [image.filename],
            "projection": image.projection,
            "messages": fmt.conversation([(p.question, p.answer) for p in turns]),
            "qtypes": [p.qtype for p in turns],
            "labels": [stored_label(p.label) for p in turns],
            "generator": generator,
        })
    return records


def _write_outputs(config: BuildArguments, result: BuildResult, generator: QAGenerator, out: Path,
                   verifier: dict) -> list[Path]:
    """Every file of the dataset, written into `out` (the new folder beside --out)."""
    fmt = ConversationFormat()
    files = [_write_jsonl(out / f"fold_{k}.jsonl", records) for k, records in sorted(result.folds.items())]
    files.append(fmt.save(out))
    meta = {
        "folds": config.folds,
        "seed": config.seed,
        "generator": generator.card_info(),
        "verifier": verifier,
        "image_root": str(Path(config.images_dir).resolve()) if config.images_dir else None,
        "reports": str(config.reports),
        "format": fmt.name,
    }
    (out / DATASET_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    files.append(out / DATASET_META)
    files.extend(write_exports(result.folds, out, fmt, meta["image_root"], final_dir=Path(config.out)))
    skipped = out / "skipped.txt"
    skipped.write_text("".join(m + "\n" for m in result.skips.messages), encoding="utf-8")
    files.append(skipped)
    files.append(write_card(out, result.folds, meta, result.n_reports_read, result.skips.summary()))
    return files


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    return write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

