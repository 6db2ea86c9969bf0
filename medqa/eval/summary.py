"""From saved predictions to results.json entries: per-item scores, figures with intervals, drops and comparisons.

An entry of results.json (one per model label; other tools read this interface):

    {"mean": {metric: value}, "sd": {metric: sd across folds}, "ci95": {metric: [low, high]},
     "by_type": {qtype: {"n": items, "accuracy" (closed types) or "rouge1", "rouge2", "rougeL",
                         "finding_f1", "finding_f1_side", "finding_f1_severity" (open types),
                         "sd": {...}, "ci95": {...}, "unlabelled": n, "label_agreement": share}},
     "folds": {k: {metric: value, "n": items, "errors": n}}, "n", "errors",
     "data", "limit", "tokenizer", "generator", "image_ablation", "bootstrap": {"samples", "seed", "unit"}}

A "[blank image]" row (--image-ablation blank) also carries "ablation_of" (its model) and "drop":
the paired bootstrap of model - ablated model ({"diff", "ci95", "p"} overall and "by_type").
Missing figures are null (JSON has no NaN).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from medqa.core.files import write_atomic
from medqa.eval.bootstrap import ItemScores, compare_scores, summarise_scores
from medqa.eval.items import EvalItem, EvaluationError
from medqa.eval.labels import ALIASES, CLOSED_TYPES
from medqa.eval.metrics import COMPONENTS, METRICS, score_items

MAIN_KEYS = ("rouge1", "rouge2", "rougeL", "finding_f1", "finding_f1_side", "finding_f1_severity", "accuracy")
OPEN_KEYS = ("rouge1", "rouge2", "rougeL", "finding_f1", "finding_f1_side", "finding_f1_severity")
FOLD_KEYS = (*MAIN_KEYS, "finding_precision", "finding_recall")
RUN_KEYS = ("data", "limit", "tokenizer")  # what must match for two runs' folds to share a table row
_M = {name: j for j, name in enumerate(METRICS)}


def is_closed(qtype: str) -> bool:
    """Whether a question type is scored by exact label (projection, normality, presence, location, severity)."""
    return ALIASES.get(qtype, qtype) in CLOSED_TYPES


def item_scores(items: Sequence[EvalItem], rows: dict[str, dict], tokenizer: str = "char") -> ItemScores:
    """Per-item components of saved rows (error rows score as empty answers), checked against the items."""
    preds = []
    for item in items:
        row = rows[item.key]
        if (row.get("question"), row.get("reference")) != (item.question, item.reference):
            raise EvaluationError(f"saved prediction {item.key} was made for another question or reference; the "
                                  f"dataset changed since: use another --out")
        preds.append(row.get("prediction") or "")
    values = score_items(preds, [i.reference for i in items], [i.qtype for i in items],
                         [i.question for i in items], [i.label for i in items], tokenizer)
    return ItemScores(np.array([i.key for i in items]), np.array([i.fold for i in items]),
                      np.array([i.patient for i in items]), np.array([i.qtype for i in items]), values)


def concat(parts: Sequence[ItemScores]) -> ItemScores:
    """One ItemScores of several folds' scores."""
    return ItemScores(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("keys", "folds", "patients", "qtypes", "values")))


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def _figures(keys: Sequence[str], g: int, mean, sd, ci) -> tuple[dict, dict, dict]:
    return ({k: _num(mean[g, _M[k]]) for k in keys}, {k: _num(sd[g, _M[k]]) for k in keys},
            {k: [_num(ci[g, _M[k], 0]), _num(ci[g, _M[k], 1])] for k in keys})


def model_entry(scores: ItemScores, extras: dict[int, dict], samples: int, seed: int) -> dict:
    """The results.json entry of one model (see the module doc), without its run keys.

    `extras` holds per fold its error count and, where sacrebleu is installed, BLEU-4 (a corpus figure:
    mean and sd across folds, no interval).
    """
    s = summarise_scores(scores, samples, seed)
    mean, sd, ci = _figures(MAIN_KEYS, 0, s["mean"], s["sd"], s["ci95"])
    bleu = [e["bleu4"] for e in extras.values() if "bleu4" in e]
    if bleu and len(bleu) == len(extras):
        mean["bleu4"], sd["bleu4"] = statistics.fmean(bleu), statistics.stdev(bleu) if len(bleu) > 1 else None
    by_type = {}
    for g, qtype in enumerate(s["groups"]):
        if g == 0:
            continue
        rows = scores.qtypes == qtype
        keys = ("accuracy",) if is_closed(qtype) else OPEN_KEYS
        m, d, c = _figures(keys, g, s["mean"], s["sd"], s["ci95"])
        comp = scores.values[rows].sum(0)
        entry = {"n": int(rows.sum()), **m, "sd": d, "ci95": c}
        if is_closed(qtype):
            entry["unlabelled"] = int(rows.sum() - comp[COMPONENTS.index("labelled")])
            checked = comp[COMPONENTS.index("checked")]
            if checked:
                entry["label_agreement"] = float(comp[COMPONENTS.index("agree")] / checked)
        by_type[qtype] = entry
    folds = {str(k): {**{key: _num(v[_M[key]]) for key in FOLD_KEYS}, "n": int((scores.folds == k).sum()),
                      **extras.get(k, {"errors": 0})} for k, v in ((k, f[0]) for k, f in s["folds"].items())}
    return {"mean": mean, "sd": sd, "ci95": ci, "by_type": by_type, "folds": folds, "n": len(scores.keys),
            "errors": int(sum(e["errors"] for e in extras.values())),
            "bootstrap": {"samples": samples, "seed": seed, "unit": "patient"}}


def comparison(a: ItemScores, b: ItemScores, samples: int, seed: int) -> dict:
    """Paired bootstrap A - B: {"diff", "ci95", "p"} overall (MAIN_KEYS) and "by_type" (each type's own keys)."""
    c = compare_scores(a, b, samples, seed)

    def block(keys, g):
        return {"diff": {k: _num(c["diff"][g, _M[k]]) for k in keys},
                "ci95": {k: [_num(c["ci95"][g, _M[k], 0]), _num(c["ci95"][g, _M[k], 1])] for k in keys},
                "p": {k: _num(c["p"][g, _M[k]]) for k in keys}}

    out = block(MAIN_KEYS, 0)
    out["by_type"] = {t: block(("accuracy",) if is_closed(t) else OPEN_KEYS, g)
                      for g, t in enumerate(c["groups"]) if g}
    return out


def read_json(path: Path) -> dict:
    """A results file as a dict ({} when absent); a clear error when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{path} is not valid JSON ({exc}); move it away to start a new table") from exc


def write_json(path: Path, data: dict) -> None:
    """Write a results file atomically (never a half-written file that looks complete)."""
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
