"""`python -m medqa.data import slake SLAKE_DIR --out DIR`: SLAKE as a medqa dataset train.py reads unchanged.

One conversation per image and language of each split: that image's questions in SLAKE's order, one turn
each. SLAKE's three splits become three folds, so the usual fold options mean the published protocol:

    fold 0 = train, fold 1 = validate, fold 2 = test      (dataset.json "splits")
    python train.py --data DIR --fold 2                   # train on train + validate, test held out
    python evaluate.py --data DIR --folds 2 ...           # medqa's own metrics on the test conversations

Every record keeps its SLAKE fields (qids, content types, modality, language, split); its `uid` is the
image, so medqa's bootstrap resamples images. The folder is written like a build (medqa.data.outdir: a
complete folder replaces --out, never a half-written one), with the same exports (LLaMA-Factory, ms-swift,
Qwen-VL v1) and medqa's conversation format (the one train.py and evaluation use).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from medqa.core.conversation import ConversationFormat
from medqa.core.files import write_atomic
from medqa.data.export import write_exports
from medqa.data.folds import DATASET_META
from medqa.data.outdir import check_out, discard, new_staging, publish
from medqa.data.records import SkipLog
from medqa.data.slake import SPLITS, SlakeQuestion, check_filters, image_root, read_selected

SPLIT_FOLDS = {split: k for k, split in enumerate(SPLITS)}  # train 0, validate 1, test 2
# medqa's one format: train.py takes the format from the model it loads (a base model gets this default), so a
# dataset-specific system prompt would reach the exports but not train.py; the same prompt everywhere instead.
SLAKE_FORMAT = ConversationFormat()


@dataclass
class ImportArguments:
    """Import SLAKE (train.json, validate.json, test.json, imgs/) as a medqa dataset, one fold per split."""

    slake_dir: Path = field(metadata={"help": "the SLAKE folder (Slake1.0): train.json, validate.json, test.json, "
                                              "imgs/; also the argument after `slake`"})
    out: Path = field(metadata={"help": "output folder for fold_K.jsonl (0 train, 1 validate, 2 test), exports"})
    lang: Literal["zh", "en", "both"] = field(default="both", metadata={"help": "question language to keep"})
    modality: Literal["X-Ray", "CT", "MRI", "all"] = field(default="all", metadata={
        "help": "image modality to keep"})
    overwrite: bool = field(default=False, metadata={"help": "replace a non-empty --out medqa did not write"})

    def __post_init__(self) -> None:
        self.slake_dir, self.out = Path(self.slake_dir), Path(self.out)
        check_filters(self.lang, self.modality)


IMPORT_OPTIONS = (ImportArguments,)


def slake_records(questions: list[SlakeQuestion], fmt: ConversationFormat = SLAKE_FORMAT) -> dict[int, list[dict]]:
    """Records by fold: one multi-turn conversation per (split, image, language), questions in SLAKE's order."""
    groups: dict[tuple, list[SlakeQuestion]] = defaultdict(list)
    for q in questions:
        groups[(q.split, q.img_id, q.lang)].append(q)
    folds: dict[int, list[dict]] = {k: [] for k in SPLIT_FOLDS.values()}
    for (split, img_id, lang), qs in groups.items():
        first = qs[0]
        folds[SPLIT_FOLDS[split]].append({
            "id": f"slake-{split}-img{img_id}-{lang}",
            "uid": first.cluster,
            "images": [first.img_name],
            "messages": fmt.conversation([(q.question, q.answer) for q in qs]),
            "qtypes": [q.answer_type for q in qs],
            "content_types": [q.content_type for q in qs],
            "qids": [q.qid for q in qs],
            "modality": first.modality,
            "q_lang": lang,
            "split": split,
            "fold": SPLIT_FOLDS[split],
            "generator": "slake",
        })
    return folds


def import_slake(args: ImportArguments) -> tuple[Path, dict[int, list[dict]], SkipLog]:
    """Read, select, convert and write; returns (out, records by fold, skipped entries)."""
    check_out(args.out, args.overwrite)
    skips = SkipLog()
    questions = read_selected(args.slake_dir, SPLITS, args.lang, args.modality, skips)
    folds = slake_records(questions)
    if empty := [s for s, k in SPLIT_FOLDS.items() if not folds[k]]:
        raise ValueError(f"no SLAKE question of split(s) {', '.join(empty)} is left with --lang {args.lang} "
                         f"--modality {args.modality}; {args.out} was left as it was")
    staging = new_staging(args.out)
    try:
        _write(args, folds, skips, staging)
        publish(staging, args.out)
    except BaseException:  # interrupted or failed: the previous folder stays as it was
        discard(staging)
        raise
    return args.out, folds, skips


def _write(args: ImportArguments, folds: dict[int, list[dict]], skips: SkipLog, out: Path) -> None:
    for k, records in folds.items():
        write_atomic(out / f"fold_{k}.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    SLAKE_FORMAT.save(out)
    root = image_root(args.slake_dir)
    meta = {"folds": len(SPLITS), "splits": SPLIT_FOLDS, "seed": None,
            "generator": {"generator": "slake", "source": str(Path(args.slake_dir).resolve()),
                          "lang": args.lang, "modality": args.modality},
            "image_root": str(root), "format": SLAKE_FORMAT.name}
    write_atomic(out / DATASET_META, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    write_exports(folds, out, SLAKE_FORMAT, root if root.is_dir() else None, final_dir=Path(args.out))
    write_atomic(out / "skipped.txt", "".join(m + "\n" for m in skips.messages))
    write_atomic(out / "README.md", _card(args, folds, skips))


def _card(args: ImportArguments, folds: dict[int, list[dict]], skips: SkipLog) -> str:
    sizes = "\n".join(f"| {split} | {k} | {len(folds[k])} | {sum(len(r['qids']) for r in folds[k])} |"
                      for split, k in SPLIT_FOLDS.items())
    return (f"# SLAKE as a medqa dataset\n\nImported from `{Path(args.slake_dir).resolve()}` "
            f"(language: {args.lang}, modality: {args.modality}) by `python -m medqa.data import slake`.\n\n"
            "SLAKE: Liu et al. 2021, https://www.med-vqa.com/slake/ ; licence CC BY 4.0 (its Hugging Face card, "
            "BoKelvin/SLAKE). Cite the SLAKE paper when you use it.\n\n"
            "| split | fold | conversations | questions |\n|---|---:|---:|---:|\n" + sizes + "\n\n"
            "Train on train + validate with `python train.py --data DIR --fold 2`; score on the test questions "
            "with `python evaluate.py --benchmark slake --data SLAKE_DIR --split test`.\n\n"
            f"Skipped SLAKE entries: {skips.summary()} (skipped.txt).\n")
