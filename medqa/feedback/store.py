"""The user-study rating store: one SQLite file (sqlite-utils), one row per rated answer (`Rating`).

Pixels are kept only with ``store_images=True``; every rating is validated first (medqa.feedback.ratings).

Durability: WAL mode with ``synchronous=FULL``; `FeedbackStore.add` returns the row id only after
its one transaction has committed, so an acknowledged rating survives SIGKILL right after (and a
power cut).

Threads: Gradio calls handlers from worker threads, and a sqlite3 connection may not cross them.
Every operation opens its own short-lived connection: no shared connection, no Python lock, and
the same code is safe across processes (SQLite's file locks and a 30 s busy timeout order writers).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from medqa.feedback.ratings import SCORES, Rating, rated_turn, validate

TABLE = "ratings"
_JSON_COLUMNS = ("conversation", "decoding")
_SCHEMA = {
    "id": int, "created_at": str, "session_id": str, "clinician_id": str, "model_id": str, "adapter_id": str,
    "adapter_hash": str, "conversation": str, "answer_index": int, "thumbs": str, "accuracy": int,
    "completeness": int, "safety": int, "comment": str, "decoding": str, "latency_s": float, "image_sha256": str,
    "image_png": bytes, "language": str, "rating_key": str, "updated_at": str,
}
# Exported after the tidy columns: every stored field but the pixels and the 0-based index (answer_number is shown).
EXPORT_FIELDS = [f.name for f in fields(Rating) if f.name not in ("image_png", "answer_index")]
_NOT_NULL = {"created_at", "session_id", "clinician_id", "model_id", "conversation", "answer_index"}


# -- filters -----------------------------------------------------------------------------------


def _day(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an ISO date YYYY-MM-DD, got {value!r}") from None


def _where(since=None, until=None, clinician=None, model=None) -> tuple[str, list]:
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


class FeedbackStore:
    """Ratings in one SQLite file; safe to call from many threads and processes at once."""

    def __init__(self, path: str | Path, *, store_images: bool = False,
                 clock: Callable[[], datetime] | None = None) -> None:
        """Open (creating if needed) the database at `path`; `clock` (aware datetimes) is for tests."""
        self.path = Path(path)
        self.store_images = bool(store_images)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        if self.path.is_dir():
            raise ValueError(f"rating database path {self.path} is a folder; give a file path")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.enable_wal()
            db[TABLE].create(_SCHEMA, pk="id", not_null=_NOT_NULL, if_not_exists=True)
            for column, kind in _SCHEMA.items():  # a database from before a column existed gets it
                if column not in db[TABLE].columns_dict:
                    db[TABLE].add_column(column, kind)
            for column in ("created_at", "clinician_id", "model_id"):
                db[TABLE].create_index([column], if_not_exists=True)
            # Several NULL keys are allowed; one key is one row.
            db[TABLE].create_index(["rating_key"], unique=True, if_not_exists=True)

    @contextmanager
    def _connect(self) -> Iterator[sqlite_utils.Database]:
        """A fresh connection for one operation: sqlite3 connections must not cross threads."""
        conn = sqlite3.connect(str(self.path), timeout=30)
        try:
            # synchronous is per connection: FULL fsyncs the WAL at every commit.
            conn.execute("PRAGMA synchronous=FULL")
            yield sqlite_utils.Database(conn)
        finally:
            conn.close()

    def add(self, rating: Rating) -> int:
        """Validate and store `rating` in one transaction; return its row id once committed."""
        return self.save(rating)[0]

    def save(self, rating: Rating) -> tuple[int, bool]:
        """Store `rating` once committed: (row id, True) for a new row; (row id, False) when a rating with the
        same `rating_key` from the same session was stored before and has now been updated in place.

        ValueError when the rating is invalid, or its key belongs to another session.
        """
        validate(rating)
        row = asdict(rating)
        row["created_at"] = self._clock().astimezone(timezone.utc).isoformat(timespec="microseconds")
        for column in _JSON_COLUMNS:
            try:
                row[column] = json.dumps(row[column], ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"rating: {column} is not JSON-serialisable: {exc}") from None
        if not self.store_images:
            row["image_png"] = None  # the study protocol decides, not the caller
        with self._connect() as db:
            # IMMEDIATE takes the write lock up front, so concurrent writers wait on the busy timeout
            # instead of failing on a read-to-write lock upgrade (and two submissions of one key serialise).
            db.execute("BEGIN IMMEDIATE")
            try:
                row_id, created = self._write(db, row)
                db.execute("COMMIT")
            except BaseException:
                db.rollback()
                raise
        return row_id, created

    @staticmethod
    def _write(db: sqlite_utils.Database, row: dict) -> tuple[int, bool]:
        """Insert `row`, or update the row that has its rating_key; inside the caller's transaction."""
        key = row.get("rating_key")
        found = db.execute("SELECT id, session_id FROM ratings WHERE rating_key = ?", [key]).fetchone() if key else None
        if found is None:
            return int(db[TABLE].insert(row).last_pk), True
        if found[1] != row["session_id"]:
            raise ValueError("rating: this rating_key belongs to another session")
        row["updated_at"] = row.pop("created_at")  # the first submission's time stays the rating's created_at
        db[TABLE].update(found[0], row)
        return int(found[0]), False

    def _rows(self, include_images: bool, filters: dict) -> list[dict]:
        where, params = _where(**filters)
        with self._connect() as db:
            rows = list(db[TABLE].rows_where(where or None, params, order_by="id"))
        for row in rows:
            for column in _JSON_COLUMNS:
                row[column] = json.loads(row[column]) if row[column] is not None else None
            if not include_images:
                del row["image_png"]
        return rows

    def ratings(self, *, since: str | None = None, until: str | None = None, clinician: str | None = None,
                model: str | None = None, include_images: bool = False) -> list[dict]:
        """Stored rows in id order, filtered (UTC days, `until` inclusive; filters combine with AND).

        JSON columns come back parsed; `image_png` is left out unless `include_images`.
        """
        return self._rows(include_images, {"since": since, "until": until, "clinician": clinician, "model": model})

    def get(self, row_id: int) -> Rating:
        """The Rating stored under `row_id` (KeyError if there is none)."""
        with self._connect() as db:
            rows = list(db[TABLE].rows_where("id = ?", [row_id]))
        if not rows:
            raise KeyError(f"no rating with id {row_id} in {self.path}")
        row = rows[0]
        for column in _JSON_COLUMNS:
            row[column] = json.loads(row[column])
        return Rating(**{f.name: row[f.name] for f in fields(Rating)})

    def summary(self, **filters) -> list[dict]:
        """Per model and adapter: n, thumbs-up share of thumbed answers, mean of each score (None if unrated)."""
        groups: dict[tuple, list[dict]] = {}
        for row in self.ratings(**filters):
            groups.setdefault((row["model_id"], row["adapter_id"]), []).append(row)
        out = []
        for (model_id, adapter_id), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            thumbs = [r["thumbs"] for r in rows if r["thumbs"] is not None]
            entry = {
                "model_id": model_id,
                "adapter_id": adapter_id,
                "label": f"{model_id} + {adapter_id}" if adapter_id else model_id,
                "n": len(rows),
                "n_thumbs": len(thumbs),
                "thumbs_up_share": thumbs.count("up") / len(thumbs) if thumbs else None,
            }
            for name in SCORES:
                entry[f"mean_{name}"] = _mean([r[name] for r in rows])
            out.append(entry)
        return out

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
                for column in _JSON_COLUMNS:
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

    def backup(self, path: str | Path) -> Path:
        """Checkpoint the WAL into the main file, then copy it with SQLite's online backup API."""
        out = Path(path)
        if out.resolve() == self.path.resolve():
            raise ValueError(f"backup path {out} is the live database itself; choose another file")
        with self._connect() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            target = sqlite3.connect(str(out))
            try:
                db.conn.backup(target)
            finally:
                target.close()
        return out

    def integrity_ok(self) -> bool:
        """True when SQLite's PRAGMA integrity_check finds nothing wrong (False also when it cannot even read)."""
        try:
            with self._connect() as db:
                return db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        except sqlite3.DatabaseError:
            return False

    def count(self, **filters) -> int:
        """How many ratings match the filters."""
        where, params = _where(**filters)
        with self._connect() as db:
            return db[TABLE].count_where(where or None, params)
