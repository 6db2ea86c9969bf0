"""A clinician's review of a built dataset: a sheet of generated pairs beside their reports, and its totals.

`python -m medqa.data audit DIR --sample 100 --seed 0` samples reports from a built dataset and writes
`DIR/audit_sheet.csv` (UTF-8 with BOM, so a spreadsheet opens the Chinese correctly): one row per question/answer
turn of one conversation per report, beside the report's findings, impression and MeSH terms, with an empty
`verdict` column. A clinician marks each row faithful / wrong / unsupported / misleading (and may add a note);
`python -m medqa.data audit --score SHEET` totals the verdicts, overall and per question type.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from medqa.core.conversation import message_text
from medqa.core.files import write_atomic
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.data.openi import read_reports
from medqa.data.records import Report, SkipLog

VERDICTS = ("faithful", "wrong", "unsupported", "misleading")
COLUMNS = ("uid", "record", "turn", "qtype", "question", "answer", "label", "mesh", "findings", "impression",
           "verdict", "note")
SHEET_NAME = "audit_sheet.csv"


class SheetError(ValueError):
    """A review sheet that cannot be scored: missing columns or a verdict outside VERDICTS (names file and line)."""


def _one_record_per_report(records: list[dict]) -> dict[str, dict]:
    """The frontal conversation of each report when it has one (its questions are the report's)."""
    chosen: dict[str, dict] = {}
    for r in records:
        if r["uid"] not in chosen or (r.get("projection") == "Frontal" and chosen[r["uid"]].get("projection") !=
                                      "Frontal"):
            chosen[r["uid"]] = r
    return chosen


def _rows(record: dict, report: Report | None) -> list[dict]:
    texts = [message_text(m) for m in record["messages"]]
    labels = record.get("labels") or [None] * len(record.get("qtypes", []))
    mesh = "; ".join(str(t) for t in report.mesh) if report else ""
    rows = []
    for i, qtype in enumerate(record.get("qtypes", [])):
        label = labels[i] if i < len(labels) else None
        rows.append({
            "uid": record["uid"], "record": record["id"], "turn": i + 1, "qtype": qtype,
            "question": texts[2 * i], "answer": texts[2 * i + 1],
            "label": json.dumps(label, ensure_ascii=False) if label else "", "mesh": mesh,
            "findings": report.findings if report else "", "impression": report.impression if report else "",
            "verdict": "", "note": ""})
    return rows


def write_sheet(data_dir: Path, sample: int, seed: int, out: Path | None = None,
                reports: Path | None = None) -> tuple[Path, int, int]:
    """Write the review sheet for `sample` reports drawn with `seed`; (path, reports, rows)."""
    data_dir = Path(data_dir)
    meta = load_dataset_meta(data_dir)
    by_uid = _one_record_per_report(read_folds(data_dir, list(range(meta["folds"]))))
    source = Path(reports or meta["reports"])
    texts = {r.uid: r for r in read_reports(source, None, SkipLog())}
    # Each report's place in the draw depends on the seed and its own uid only, so rebuilding the data set
    # (a report more or less) keeps the other reports of a sheet.
    chosen = sorted(by_uid, key=lambda uid: hashlib.sha256(f"{seed}:{uid}".encode()).hexdigest())[:sample]
    rows = [row for uid in chosen for row in _rows(by_uid[uid], texts.get(uid))]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = Path(out or data_dir / SHEET_NAME)
    write_atomic(path, "\ufeff" + buffer.getvalue())  # the BOM tells spreadsheet programs it is UTF-8
    return path, len(chosen), len(rows)


def score_sheet(path: Path) -> dict:
    """Totals of a marked sheet: {"overall": Counter, "by_qtype": {qtype: Counter}}; blank verdicts count as
    'unmarked'. A verdict outside VERDICTS is an error naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    overall: Counter[str] = Counter()
    by_qtype: dict[str, Counter] = defaultdict(Counter)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"qtype", "verdict"} - set(reader.fieldnames or [])
        if missing:
            raise SheetError(f"{path}: missing column(s) {', '.join(sorted(missing))}; is this an audit sheet?")
        for row in reader:
            verdict = (row.get("verdict") or "").strip().lower() or "unmarked"
            if verdict not in VERDICTS and verdict != "unmarked":
                raise SheetError(f"{path}:{reader.line_num}: verdict {row['verdict']!r} is not one of "
                                 f"{', '.join(VERDICTS)}")
            overall[verdict] += 1
            by_qtype[row.get("qtype") or "?"][verdict] += 1
    return {"overall": overall, "by_qtype": dict(sorted(by_qtype.items()))}


def format_score(totals: dict) -> str:
    """A Markdown table of the totals: one row per question type and one for all, faithful share last."""
    head = ["type", *VERDICTS, "unmarked", "marked", "faithful %"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, counts in [*totals["by_qtype"].items(), ("all", totals["overall"])]:
        marked = sum(counts[v] for v in VERDICTS)
        share = f"{100 * counts['faithful'] / marked:.1f}" if marked else "-"
        cells = [name, *(str(counts[v]) for v in VERDICTS), str(counts["unmarked"]), str(marked), share]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
