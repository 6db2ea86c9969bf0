"""Scores and tables: per-fold metrics, mean ± sd across folds, results.json and the Table II markdown."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path

from medqa.core.files import write_atomic
from medqa.eval.items import EvalItem, EvaluationError
from medqa.eval.metrics import bleu4, finding_f1, rouge

MAIN_KEYS = ("rouge1", "rouge2", "rougeL", "finding_f1")
COLUMNS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "finding_f1": "Finding F1", "bleu4": "BLEU-4"}
# The paper's Table II row for its fine-tuned Qwen-VL (its own data and tokenisation: a landmark, not a peer).
PAPER_ROW = ("Qwen-VL 7B — paper (reported)", {"rouge1": 0.6147, "rouge2": 0.3535, "rougeL": 0.5796})
RUN_KEYS = ("data", "limit", "tokenizer")  # what must match for two runs' folds to share a table row


def score_fold(items: Sequence[EvalItem], rows: dict[str, dict], tokenizer: str = "char") -> dict:
    """ROUGE (F, P, R), finding F1 (+ BLEU-4 with sacrebleu) of saved rows; error rows score as empty answers."""
    preds = []
    for item in items:
        row = rows[item.key]
        if (row.get("question"), row.get("reference")) != (item.question, item.reference):
            raise EvaluationError(f"saved prediction {item.key} was made for another question or reference; the "
                                  f"dataset changed since: use another --out")
        preds.append(row.get("prediction") or "")
    refs = [item.reference for item in items]
    findings = finding_f1(preds, refs)
    out = {**rouge(preds, refs, tokenizer), "finding_f1": findings["f1"], "finding_precision": findings["precision"],
           "finding_recall": findings["recall"], "finding_support": findings["support"], "n": len(items),
           "errors": sum("error" in rows[item.key] for item in items)}
    if (bleu := bleu4(preds, refs)) is not None:
        out["bleu4"] = bleu
    return out


def summarise(per_fold: dict[int, dict]) -> dict:
    """{"folds": {k: metrics}, "mean": {...}, "sd": {...}}: sample sd across folds, None for one fold."""
    folds = list(per_fold.values())
    keys = [k for k in (*MAIN_KEYS, "bleu4") if all(k in m for m in folds)]
    return {"folds": {str(k): m for k, m in per_fold.items()},
            "mean": {k: statistics.fmean(m[k] for m in folds) for k in keys},
            "sd": {k: statistics.stdev(m[k] for m in folds) if len(folds) > 1 else None for k in keys},
            "errors": sum(m["errors"] for m in folds), "n": sum(m["n"] for m in folds)}


def _run_note(entry: dict) -> str:
    limit = f" (first {entry['limit']} items each)" if entry.get("limit") else ""
    tokens = "jieba words" if entry.get("tokenizer") == "jieba" else "characters"
    return f"data `{entry.get('data')}`, folds {', '.join(entry['folds'])}{limit}, ROUGE over {tokens}"


def markdown_table(results: dict) -> str:
    """Table II layout: a row per model, columns ROUGE-1/2/L and finding F1 as 'mean ± sd', plus the paper's row."""
    columns = [k for k in COLUMNS if k in MAIN_KEYS or any(k in r["mean"] for r in results.values())]
    notes = {model: _run_note(r) for model, r in results.items()}
    lines = ["ROUGE: F-score per answer, averaged; finding F1: micro-F1 over (finding, present/absent); cells: "
             "mean ± sd across folds. The paper's row is copied from its Table II (its own data and tokenisation).",
             "", *(["Evaluated on " + next(iter(notes.values())) + "."] if len(set(notes.values())) == 1 else
                   [f"- {model}: {note}" for model, note in notes.items()]), "",
             "| Model | " + " | ".join(COLUMNS[k] for k in columns) + " |", "|---|" + "---:|" * len(columns)]
    name, paper = PAPER_ROW
    lines.append(f"| {name} | " + " | ".join(f"{paper[k]:.4f}" if k in paper else "–" for k in columns) + " |")
    for model, r in results.items():
        cells = [("–" if k not in r["mean"] else f"{r['mean'][k]:.4f}" if r["sd"].get(k) is None
                  else f"{r['mean'][k]:.4f} ± {r['sd'][k]:.4f}") for k in columns]
        lines.append(f"| {model.replace('|', '/')} | " + " | ".join(cells) + " |")
    errors = [f"{m}: {r['errors']} of {r['n']}" for m, r in results.items() if r.get("errors")]
    if errors:
        lines += ["", "Error rows (scored as empty answers): " + "; ".join(errors) + "."]
    return "\n".join(lines) + "\n"


def write_results(out: Path, results: dict) -> dict:
    """Merge this run into OUT/results.json and rewrite OUT/results.md; returns the merged dict.

    Other models are kept; a model already there with the same RUN_KEYS gains this run's folds
    (a fold evaluated again is replaced), otherwise its entry is replaced.
    """
    path = out / "results.json"
    try:
        merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{path} is not valid JSON ({exc}); move it away to start a new table") from exc
    for name, entry in results.items():
        old = merged.get(name)
        # The same model, data and scoring evaluated on other folds (e.g. one vLLM server per fold): add them.
        if old and all(old.get(k) == entry.get(k) for k in RUN_KEYS):
            folds = {int(k): m for k, m in {**old["folds"], **entry["folds"]}.items()}
            entry = summarise(dict(sorted(folds.items()))) | {k: entry[k] for k in RUN_KEYS}
        merged[name] = entry
    out.mkdir(parents=True, exist_ok=True)
    for target, text in ((path, json.dumps(merged, ensure_ascii=False, indent=2) + "\n"),
                         (out / "results.md", markdown_table(merged))):
        write_atomic(target, text)
    return merged
