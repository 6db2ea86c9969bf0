"""The chat's rating store on PostgreSQL, for several app replicas behind one study (`--db postgresql://...`).

The same `ratings` table as the SQLite store (same columns, same rating-key rule), created by a numbered
migration with its own ledger (`feedback_migrations`), so it can live in a study's database. A rating is
acknowledged only after its transaction committed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timezone

from medqa.core.db import Database, Migration, migrate
from medqa.feedback.exports import TABLE, RatingStore, rating_of, read_row, stored_row, where_clause
from medqa.feedback.ratings import Rating

COLUMNS = [f.name for f in fields(Rating)] + ["created_at", "updated_at"]
MIGRATIONS = (
    Migration(1, "ratings", (
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (id {{id}}, created_at TEXT NOT NULL, session_id TEXT NOT NULL,
        clinician_id TEXT NOT NULL, model_id TEXT NOT NULL, adapter_id TEXT, adapter_hash TEXT,
        conversation TEXT NOT NULL, answer_index INTEGER NOT NULL, thumbs TEXT, accuracy INTEGER,
        completeness INTEGER, safety INTEGER, comment TEXT, decoding TEXT, latency_s {{float}}, image_sha256 TEXT,
        image_png {{blob}}, language TEXT, rating_key TEXT UNIQUE, updated_at TEXT)""",
        *(f"CREATE INDEX IF NOT EXISTS {TABLE}_{c} ON {TABLE} ({c})" for c in ("created_at", "clinician_id",
                                                                              "model_id")),
    )),
)


class PostgresFeedbackStore(RatingStore):
    """Ratings in a PostgreSQL database; safe from many threads and app replicas at once."""

    def __init__(self, url: str, *, store_images: bool = False,
                 clock: Callable[[], datetime] | None = None, wait_s: float = 20.0) -> None:
        """Connect to `url` (DatabaseError, naming the server without its password, when it cannot) and migrate;
        `wait_s`: how long a save waits for a restarting server before it fails."""
        self.db = Database(url, wait_s=wait_s)
        self.store_images = bool(store_images)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        migrate(self.db, MIGRATIONS, lock_name="medqa.feedback", ledger="feedback_migrations")
        self.path = self.db.describe()

    def close(self) -> None:
        """Close the connection pool."""
        self.db.close()

    def save(self, rating: Rating) -> tuple[int, bool]:
        """As FeedbackStore.save: (row id, True) for a new row, (row id, False) when the same session's
        `rating_key` was stored before and is now updated; ValueError when invalid or the key is another's."""
        row = stored_row(rating, self._clock(), self.store_images)
        key = row.get("rating_key")

        def write(cur) -> tuple[int, bool]:
            found = []
            if key:  # two submissions of one key wait for each other instead of one failing on UNIQUE
                cur.execute("SELECT pg_advisory_xact_lock(?)", [zlib.crc32(key.encode())])
                found = cur.query(f"SELECT id, session_id FROM {TABLE} WHERE rating_key = ?", [key])
            if not found:
                names = [c for c in COLUMNS if c in row]
                inserted = cur.query(f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES "
                                     f"({', '.join('?' for _ in names)}) RETURNING id", [row[c] for c in names])
                return int(inserted[0]["id"]), True
            if found[0]["session_id"] != row["session_id"]:
                raise ValueError("rating: this rating_key belongs to another session")
            updated = {**row, "updated_at": row["created_at"]}  # the first submission's time stays created_at
            updated.pop("created_at")
            names = [c for c in COLUMNS if c in updated]
            cur.execute(f"UPDATE {TABLE} SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?",
                        [*(updated[c] for c in names), found[0]["id"]])
            return int(found[0]["id"]), False

        return self.db.run(write)  # once more on a connection a server restart broke, never after a commit

    def ratings(self, *, since: str | None = None, until: str | None = None, clinician: str | None = None,
                model: str | None = None, include_images: bool = False) -> list[dict]:
        """Stored rows in id order, filtered as FeedbackStore.ratings filters them."""
        where, params = where_clause(since=since, until=until, clinician=clinician, model=model)
        rows = self.db.query(f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE}"
                             f"{' WHERE ' + where if where else ''} ORDER BY id", params)
        return [read_row(row, include_images) for row in rows]

    def get(self, row_id: int) -> Rating:
        """The Rating stored under `row_id` (KeyError if there is none)."""
        rows = self.db.query(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = ?", [row_id])
        if not rows:
            raise KeyError(f"no rating with id {row_id} in {self.path}")
        return rating_of(read_row(rows[0], include_images=True))

    def count(self, **filters) -> int:
        """How many ratings match the filters."""
        where, params = where_clause(**filters)
        rows = self.db.query(f"SELECT COUNT(*) AS n FROM {TABLE}{' WHERE ' + where if where else ''}", params)
        return int(rows[0]["n"])
