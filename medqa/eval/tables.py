"""results.md: the paper's Table II layout, a column group per question type, the image-ablation drops and
the paired comparisons, every figure with its patient-level bootstrap 95% interval."""

from __future__ import annotations

from medqa.eval.labels import CLOSED_TYPES

COLUMNS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "finding_f1": "Finding F1",
           "finding_f1_side": "F1 +side", "finding_f1_severity": "F1 +severity", "accuracy": "Closed acc.",
           "bleu4": "BLEU-4"}
TYPE_COLUMNS = {"accuracy": "acc.", "rougeL": "ROUGE-L", "finding_f1": "F1"}
OPEN_TYPES = ("description", "impression", "region", "llm")
# The paper's Table II row for its fine-tuned Qwen-VL (its own data and tokenisation: a landmark, not a peer).
PAPER_ROW = ("Qwen-VL 7B — paper (reported)", {"rouge1": 0.6147, "rouge2": 0.3535, "rougeL": 0.5796})
GENERATORS = {
    "rule": "medqa's offline rule generator (templated Chinese answers from MeSH terms and report text)",
    "llm": "an LLM writing free-form Chinese Q&A from each report (the paper's method)",
}


def cell(value: float | None, ci: list | None = None) -> str:
    """'0.812 [0.801, 0.823]', '0.812' without an interval, '–' when missing."""
    if value is None:
        return "–"
    if not ci or ci[0] is None:
        return f"{value:.3f}"
    return f"{value:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"


def _generator_note(results: dict) -> list[str]:
    names = sorted({str(r.get("generator") or "unknown") for r in results.values()})
    lines = []
    for name in names:
        if name == "unknown":
            lines.append("The dataset does not say which generator built it (no `generator` in its dataset.json).")
        else:
            lines.append(f"Data built by the **{name}** generator: {GENERATORS.get(name, 'see its dataset card')}.")
    if "rule" in names:
        lines.append("ROUGE on rule-built data is **not comparable** with the paper's: its answers are short "
                     "templates, the paper's are free-form GPT-4 text. The paper's row is kept as a landmark only; "
                     "compare models here by closed-type accuracy, finding F1 and the image-ablation drop.")
    return lines


def _run_note(entry: dict) -> str:
    limit = f" (first {entry['limit']} items each)" if entry.get("limit") else ""
    tokens = "jieba words" if entry.get("tokenizer") == "jieba" else "characters"
    return f"data `{entry.get('data')}`, folds {', '.join(entry['folds'])}{limit}, ROUGE over {tokens}"


def type_order(results: dict) -> list[str]:
    """Closed types in the contract's order, then the open ones, then any other type by name."""
    seen = {t for r in results.values() for t in r.get("by_type", {})}
    known = [t for t in (*CLOSED_TYPES, "absence", *OPEN_TYPES) if t in seen]
    return known + sorted(seen - set(known))


def main_table(results: dict) -> list[str]:
    """Table II: a row per model, ROUGE-1/2/L, finding F1 at three levels and closed-type accuracy."""
    keys = [k for k in COLUMNS if k != "bleu4" or any(k in r["mean"] for r in results.values())]
    lines = ["| Model | " + " | ".join(COLUMNS[k] for k in keys) + " |", "|---|" + "---:|" * len(keys)]
    name, paper = PAPER_ROW
    lines.append(f"| {name} | " + " | ".join(f"{paper[k]:.4f}" if k in paper else "–" for k in keys) + " |")
    for model, r in results.items():
        cells = [cell(r["mean"].get(k), r.get("ci95", {}).get(k)) for k in keys]
        lines.append(f"| {model.replace('|', '/')} | " + " | ".join(cells) + " |")
    return lines


def type_table(results: dict) -> list[str]:
    """A row per model, a column group per question type: accuracy for closed types, ROUGE-L and F1 for open."""
    types = type_order(results)
    columns = [(t, k) for t in types for k in (("accuracy",) if _closed(results, t) else ("rougeL", "finding_f1"))]
    lines = ["| Model | " + " | ".join(f"{t} {TYPE_COLUMNS[k]}" for t, k in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for model, r in results.items():
        by_type = r.get("by_type", {})
        cells = [cell(by_type.get(t, {}).get(k), by_type.get(t, {}).get("ci95", {}).get(k)) for t, k in columns]
        lines.append(f"| {model.replace('|', '/')} | " + " | ".join(cells) + " |")
    counts = {t: max(r.get("by_type", {}).get(t, {}).get("n", 0) for r in results.values()) for t in types}
    lines += ["", "Items per type: " + ", ".join(f"{t} {n}" for t, n in counts.items()) + "."]
    return lines + _label_notes(results, types)


def _label_notes(results: dict, types: list[str]) -> list[str]:
    """How the closed references were labelled: answers left unlabelled, agreement with the builder's labels."""
    first = {t: next((r["by_type"][t] for r in results.values() if t in r.get("by_type", {})), {}) for t in types}
    unlabelled = [f"{t} {v['unlabelled']}" for t, v in first.items() if v.get("unlabelled")]
    agree = [f"{t} {v['label_agreement']:.1%}" for t, v in first.items() if v.get("label_agreement") is not None]
    lines = []
    if unlabelled:
        lines.append("Closed references that state no label (left out of accuracy): " + ", ".join(unlabelled) + ".")
    if agree:
        lines.append("Reference labels are the builder's (the records' `labels`); the text reader finds the same "
                     "label in the reference answer for " + ", ".join(agree) + ".")
    return ["", *lines] if lines else []


def _closed(results: dict, qtype: str) -> bool:
    return any("accuracy" in r.get("by_type", {}).get(qtype, {}) for r in results.values())


def _diff_cells(block: dict, keys: list[str]) -> list[str]:
    out = []
    for k in keys:
        d, ci, p = block["diff"].get(k), block["ci95"].get(k), block["p"].get(k)
        out.append("–" if d is None else f"{d:+.3f} [{ci[0]:+.3f}, {ci[1]:+.3f}] p={p:.3f}")
    return out


def diff_table(title: str, blocks: dict[str, dict]) -> list[str]:
    """Rows 'A − B' with difference [95% CI] p for the main figures and each type's own figure."""
    if not blocks:
        return []
    types = sorted({t for b in blocks.values() for t in b.get("by_type", {})},
                   key=lambda t: (t not in CLOSED_TYPES, t))
    main = ["rougeL", "finding_f1", "accuracy"]
    header = [COLUMNS[k] for k in main] + [f"{t} {'acc.' if t in CLOSED_TYPES or t == 'absence' else 'F1'}"
                                           for t in types]
    lines = ["", f"## {title}", "", "| | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for name, b in blocks.items():
        cells = _diff_cells(b, main)
        for t in types:
            tb = b.get("by_type", {}).get(t)
            key = "accuracy" if tb and "accuracy" in tb["diff"] else "finding_f1"
            cells += _diff_cells(tb, [key]) if tb else ["–"]
        lines.append(f"| {name.replace('|', '/')} | " + " | ".join(cells) + " |")
    return lines


def markdown_table(results: dict, comparisons: dict | None = None) -> str:
    """results.md: notes, Table II, the per-type table, image-ablation drops and --compare results."""
    notes = {model: _run_note(r) for model, r in results.items()}
    lines = ["# medqa evaluation", "", *_generator_note(results), "",
             *(["Evaluated on " + next(iter(notes.values())) + "."] if len(set(notes.values())) == 1 else
               [f"- {model}: {note}" for model, note in notes.items()]), "",
             "Cells: mean across folds [patient-level bootstrap 95% interval] (sd across folds in results.json). "
             "ROUGE: F per answer, averaged. Finding F1: micro-F1 over (finding, present/absent/uncertain), "
             "'+side' also matches left/right/bilateral, '+severity' also the grade. Closed acc.: exact label "
             "of projection, normality, presence (present/absent/uncertain), location (side), severity answers. "
             "The paper's row is copied from its Table II.", "", "## All answers (Table II layout)", "",
             *main_table(results), "", "## By question type", "", *type_table(results)]
    drops = {f"{r['ablation_of']} − {m}": r["drop"] for m, r in results.items() if r.get("drop")}
    lines += diff_table("Image ablation: model − same model with a blank grey image (a model that reads the film "
                        "loses here)", drops)
    lines += diff_table("Paired comparisons (--compare A B: A − B)", comparisons or {})
    errors = [f"{m}: {r['errors']} of {r['n']}" for m, r in results.items() if r.get("errors")]
    if errors:
        lines += ["", "Error rows (scored as empty answers): " + "; ".join(errors) + "."]
    return "\n".join(lines) + "\n"
