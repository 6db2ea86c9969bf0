"""What both rating stores (SQLite, PostgreSQL) share: filters, the per-model summary and the tidy exports.

A store subclasses `RatingStore` and provides `save(rating)` and `ratings(**filters)` (rows as dicts, JSON columns
parsed).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from medqa.feedback.ratings import SCORES, Rating, rated_turn, validate

TABLE = "ratings"
JSON_COLUMNS = ("conversation", "decoding")
# Exported after the tidy columns: every stored field but the pixels and the 0-based index (answer_number is shown).
EXPORT_FIELDS = [f.name for f in fields(Rating) if f.name not in ("image_png", "answer_index")]


# -- filters -----------------------------------------------------------------------------------


def _day(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an ISO date YYYY-MM-DD, got {value!r}") from None


def where_clause(since=None, until=None, clinician=None, model=None) -> tuple[str, list]:
    """SQL WHERE clause and parameters; dates are UTC days and `until` includes its whole day."""
    clauses, params = [], []
    start, end = _day(since, "since"), _day(until, "until")
    if start is not None:
        # created_at is ISO text starting with the date, so text order is time order.
        clauses.append("created_at >= ?")
        params.append(start.isoformat())
    if end is not None:
        clauses.append("created_at < ?")
        params.append((end + timedelta(days=1)).isoformat())
    if clinician is not None:
        clauses.append("clinician_id = ?")
        params.append(clinician)
    if model is not None:
        clauses.append("model_id = ?")
        params.append(model)
    return " AND ".join(clauses), params


def _csv_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @) gets a leading quote: comments are untrusted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def stored_row(rating: Rating, now: datetime, store_images: bool) -> dict:
    """`rating` validated, as the column values a store writes (JSON columns as text, created_at from `now`)."""
    validate(rating)
    row = asdict(rating)
    row["created_at"] = now.astimezone(timezone.utc).isoformat(timespec="microseconds")
    for column in JSON_COLUMNS:
        try:
            row[column] = json.dumps(row[column], ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"rating: {column} is not JSON-serialisable: {exc}") from None
    if not store_images:
        row["image_png"] = None  # the study protocol decides, not the caller
    return row


def read_row(row: dict, include_images: bool) -> dict:
    """A stored row as `ratings()` returns it: JSON columns parsed, pixels as bytes or left out."""
    for column in JSON_COLUMNS:
        row[column] = json.loads(row[column]) if row[column] is not None else None
    if include_images:
        row["image_png"] = bytes(row["image_png"]) if row["image_png"] is not None else None  # PG: memoryview
    else:
        del row["image_png"]
    return row


def rating_of(row: dict) -> Rating:
    """The Rating of one row read with its pixels (`read_row(row, True)`)."""
    return Rating(**{f.name: row[f.name] for f in fields(Rating)})


def summarise(rows: list[dict]) -> list[dict]:
    """Per model and adapter of `rows` (a store's `ratings()`): n, thumbs-up share of thumbed answers, mean of each
    score (None if unrated)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model_id"], row["adapter_id"]), []).append(row)
    out = []
    for (model_id, adapter_id), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        thumbs = [r["thumbs"] for r in group if r["thumbs"] is not None]
        entry = {
            "model_id": model_id,
            "adapter_id": adapter_id,
            "label": f"{model_id} + {adapter_id}" if adapter_id else model_id,
            "n": len(group),
            "n_thumbs": len(thumbs),
            "thumbs_up_share": thumbs.count("up") / len(thumbs) if thumbs else None,
        }
        for name in SCORES:
            entry[f"mean_{name}"] = _mean([r[name] for r in group])
        out.append(entry)
    return out


class RatingStore:
    """What every rating store does on top of its own `save` and `ratings`: add, summarise, export."""

    def add(self, rating: Rating) -> int:
        """Validate and store `rating` in one transaction; return its row id once committed."""
        return self.save(rating)[0]

    def summary(self, **filters) -> list[dict]:
        """`summarise` of the filtered ratings."""
        return summarise(self.ratings(**filters))

    def export_rows(self, **filters) -> list[dict]:
        """The rows as exported: the rated turn's `answer_number` (1-based, as the screen shows it), `question`
        and `answer` as their own columns, then the stored fields; no pixels and no 0-based index."""
        out = []
        for row in self.ratings(**filters):
            question, answer = rated_turn(row["conversation"], row["answer_index"])
            tidy = {"id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"],
                    "answer_number": row["answer_index"] + 1, "question": question, "answer": answer}
            out.append(tidy | {name: row[name] for name in EXPORT_FIELDS})
        return out

    def export_csv(self, path: str | Path, **filters) -> Path:
        """Write `export_rows` as CSV in utf-8-sig (Excel shows the Chinese); JSON columns as JSON text."""
        rows = self.export_rows(**filters)
        columns = ["id", "created_at", "updated_at", "answer_number", "question", "answer", *EXPORT_FIELDS]
        out = Path(path)
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                for column in JSON_COLUMNS:
                    row[column] = json.dumps(row[column], ensure_ascii=False)
                writer.writerow([_csv_cell(row[c]) for c in columns])
        return out

    def export_jsonl(self, path: str | Path, **filters) -> Path:
        """Write `export_rows` as one JSON object per line (UTF-8, Chinese unescaped); pixels are never exported."""
        out = Path(path)
        with out.open("w", encoding="utf-8") as handle:
            for row in self.export_rows(**filters):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return out
