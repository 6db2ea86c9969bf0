"""`python -m medqa.study report`: the study's results as tidy exports, figures and a one-page HTML summary.

Writes into one folder (default OUTPUT/report):
- `judgements.csv` (UTF-8 with BOM, so Excel shows the Chinese): one row per judgement (one rater,
  one answer), with the case, arm, question and answer text as columns; numbering is 1-based as
  on the rater's screen (queue position "12 / 40", case number, answer A/B); headers in the
  study's language. Text a spreadsheet would run as a formula gets a leading quote.
- `judgements.jsonl`: the same rows with stable English keys, for analysis code.
- `summary.json`: every figure below, machine-readable.
- `scores.png`, `errors.png`, `bradley_terry.png` (pairwise designs) and `report.html`.
Every file is written to a temporary name and renamed, so a stopped run leaves no half file.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from medqa.core.files import write_atomic
from medqa.study import breakdown, plots, stats
from medqa.study.labels import tr
from medqa.study.schema import ERROR_TYPES, SCORES
from medqa.study.store import StudyStore

_JSON_KEYS = ("judgement_no", "rater_id", "rater_number", "position", "case_number", "case_id", "patient", "question",
              "arm_id", "shown_as", "answer", *SCORES, *(f"err_{e}" for e in ERROR_TYPES), "preference_shown",
              "preferred_arm", "outcome", "comment", "revision", "created_at", "updated_at")


def _outcome(row: dict) -> str | None:
    pref = row.get("preference")
    if not pref:
        return None
    if pref in ("tie", "both_bad"):
        return pref
    return "win" if pref == row["arm_id"] else "loss"


def tidy_rows(store: StudyStore) -> list[dict]:
    """The judgements, numbered 1.. in submission order, with the other arm of a pair and the outcome."""
    rows = store.judgement_rows()
    for k, row in enumerate(rows, 1):
        row["judgement_no"] = k
        row["other_arm"] = row["arm_b"] if row["arm_id"] == row["arm_a"] else row["arm_a"]
        pref = row.get("preference")
        row["preferred_arm"] = pref if pref not in (None, "tie", "both_bad") else None
        row["preference_shown"] = ({row["arm_a"]: "A", row["arm_b"]: "B"}.get(pref, pref) if pref else None)
        row["outcome"] = _outcome(row)
    return rows


def compute(store: StudyStore, seed: int = 0) -> dict:
    """Every figure of the report: counts, per-arm summaries, win rates, Bradley-Terry, agreement, progress,
    per-rater tables, side balance, position bias and comments; the date and the seeds."""
    study = store.study_row() or {}
    definition = json.loads(study.get("definition") or "{}") if isinstance(study.get("definition"), str) else {}
    rows = tidy_rows(store)
    arms = store.arm_ids()
    progress = store.progress()
    raters = [r["rater_id"] for r in progress["raters"]]
    comps = stats.comparisons(rows)
    result = {
        "study": store.study_id, "title": study.get("title", store.study_id), "design": study.get("design"),
        "language": study.get("language", "zh"), "arms": arms, "raters": raters,
        "counts": {"judgements": len(rows), "cases": len(progress["cases"]),
                   "assignments": sum(r["total"] for r in progress["raters"]),
                   "assignments_done": sum(r["done"] for r in progress["raters"]),
                   "comparisons": len(comps)},
        "progress": progress,
        "generated_at": datetime.now().astimezone().isoformat(timespec="minutes"),
        "seeds": {"assignment": definition.get("seed"), "bootstrap": seed,
                  "bootstrap_resamples": stats.BOOTSTRAP_RESAMPLES},
        "arm_summaries": stats.arm_summaries(rows, arms, seed) if rows else [],
        "agreement": stats.agreement(rows, raters) if rows else {},
        "per_rater": breakdown.per_rater(rows, arms),
        "comments": breakdown.comments(rows),
    }
    if result["design"] == "pairwise":
        result["win_rates"] = stats.win_rates(comps, arms)
        result["bradley_terry"] = stats.bradley_terry(comps, arms)
        result["side_balance"] = breakdown.side_balance(store.assignments(), arms)
        result["position_bias"] = breakdown.position_bias(rows)
    return result | {"rows": rows}


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # comments are untrusted: never a spreadsheet formula
    return value


def _csv_columns() -> list[tuple[str, str]]:
    """(JSONL key, label key) of each CSV column, in order."""
    return [("judgement_no", "col_no"), ("rater_id", "rater"), ("rater_number", "col_rater_no"),
            ("position", "col_queue"), ("case_number", "col_case_no"), ("case_id", "col_case_id"),
            ("patient", "patient"), ("question", "question"), ("arm_id", "arm"), ("shown_as", "col_shown"),
            ("answer", "col_answer"), *((s, s) for s in SCORES), *((f"err_{e}", e) for e in ERROR_TYPES),
            ("preference_shown", "preference"), ("outcome", "col_outcome"), ("comment", "comment"),
            ("revision", "col_revision"), ("created_at", "col_created"), ("updated_at", "col_updated")]


def csv_text(rows: list[dict], lang: str) -> str:
    """The judgements as CSV text (the caller writes it with a BOM): Chinese headers and values for zh,
    the JSONL keys for en."""
    columns = _csv_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([tr(label, lang) if lang == "zh" else key for key, label in columns])
    for r in rows:
        shown = dict(r)
        if lang == "zh":
            shown["outcome"] = tr(r["outcome"], lang) if r["outcome"] else None
            shown["preference_shown"] = tr(f"pref_{r['preference_shown']}", lang) if r["preference_shown"] else None
        writer.writerow([_csv_cell(shown.get(key)) for key, _ in columns])
    return buffer.getvalue()


def write_report(store: StudyStore, out: str | Path, lang: str | None = None, seed: int = 0) -> dict:
    """Compute and write the report files into `out`; {name: path} of what was written."""
    from medqa.study.html_report import html_page

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = compute(store, seed)
    lang = lang or result["language"]
    rows = result.pop("rows")
    files = {"csv": out / "judgements.csv", "jsonl": out / "judgements.jsonl", "summary": out / "summary.json"}
    _write_bom(files["csv"], csv_text(rows, lang))
    write_atomic(files["jsonl"], "".join(json.dumps({k: r.get(k) for k in _JSON_KEYS}, ensure_ascii=False) + "\n"
                                         for r in rows))
    write_atomic(files["summary"], json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    if result["arm_summaries"]:
        files["scores"] = plots.score_plot(result["arm_summaries"], lang, out / "scores.png")
        files["errors"] = plots.error_plot(result["arm_summaries"], lang, out / "errors.png")
    if result.get("bradley_terry"):
        files["bradley_terry"] = plots.bt_plot(result["bradley_terry"], lang, out / "bradley_terry.png")
    write_atomic(out / "report.html", html_page(result, lang, files))
    files["html"] = out / "report.html"
    return files


def _write_bom(path: Path, text: str) -> None:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(text, encoding="utf-8-sig", newline="")
    partial.replace(path)
