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

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from medqa.feedback.exports import TABLE, RatingStore, rating_of, read_row, stored_row, where_clause
from medqa.feedback.ratings import Rating, default_db_path

_SCHEMA = {
    "id": int, "created_at": str, "session_id": str, "clinician_id": str, "model_id": str, "adapter_id": str,
    "adapter_hash": str, "conversation": str, "answer_index": int, "thumbs": str, "accuracy": int,
    "completeness": int, "safety": int, "comment": str, "decoding": str, "latency_s": float, "image_sha256": str,
    "image_png": bytes, "language": str, "rating_key": str, "updated_at": str,
}
_NOT_NULL = {"created_at", "session_id", "clinician_id", "model_id", "conversation", "answer_index"}


class FeedbackStore(RatingStore):
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

    def save(self, rating: Rating) -> tuple[int, bool]:
        """Store `rating` once committed: (row id, True) for a new row; (row id, False) when a rating with the
        same `rating_key` from the same session was stored before and has now been updated in place.

        ValueError when the rating is invalid, or its key belongs to another session.
        """
        row = stored_row(rating, self._clock(), self.store_images)
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
        where, params = where_clause(**filters)
        with self._connect() as db:
            rows = list(db[TABLE].rows_where(where or None, params, order_by="id"))
        return [read_row(row, include_images) for row in rows]

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
        return rating_of(read_row(rows[0], include_images=True))

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
        where, params = where_clause(**filters)
        with self._connect() as db:
            return db[TABLE].count_where(where or None, params)


def open_store(db: str | Path | None, *, store_images: bool = False):
    """The rating store that --db names: PostgresFeedbackStore for a postgresql:// URL, else FeedbackStore on
    `default_db_path(db)` (the SQLite file given, /data's on a Space, else ./medqa_ratings.db)."""
    from medqa.core.db import is_postgres_url

    if db and is_postgres_url(db):
        from medqa.feedback.postgres import PostgresFeedbackStore

        return PostgresFeedbackStore(str(db), store_images=store_images)
    return FeedbackStore(default_db_path(db), store_images=store_images)
