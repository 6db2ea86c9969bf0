"""On-disk SQLite cache of validated LLM replies, so a rerun or a resumed run never pays twice."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from medqa.data.qa import QAPair

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    pairs TEXT NOT NULL,
    raw TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedReply:
    """One cached reply: the validated pairs plus the usage the original call was billed for."""

    pairs: list[QAPair]
    prompt_tokens: int
    completion_tokens: int


class ReplyCache:
    """A one-row-per-key SQLite table of replies, safe to share between worker threads.

    The file is created with the first reply stored: a run that is refused or fails before any
    reply leaves no file behind (in a dataset folder it would be the only change).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if self.path.is_file():
            self._open()

    def _open(self) -> sqlite3.Connection:
        """The connection, opening (and creating) the file on first use; call with the lock held or in __init__."""
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One shared connection guarded by our own lock: sqlite3 objects are not thread-safe on
            # their own, and autocommit (isolation_level=None) makes each put durable at once.
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            # WAL lets a second process (e.g. an inspection shell) read while a run writes.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(_SCHEMA)
        return self._conn

    def get(self, key: str) -> CachedReply | None:
        """Return the cached reply for `key`, or None when there is none."""
        with self._lock:
            if self._conn is None:
                return None
            row = self._conn.execute(
                "SELECT pairs, prompt_tokens, completion_tokens FROM replies WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        pairs = [QAPair(p["question"], p["answer"], p["qtype"]) for p in json.loads(row[0])]
        return CachedReply(pairs, int(row[1]), int(row[2]))

    def put(
        self,
        key: str,
        *,
        model: str,
        prompt_version: str,
        pairs: list[QAPair],
        raw: str,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> None:
        """Store one validated reply (replacing any older row with the same key)."""
        blob = json.dumps(
            [{"question": p.question, "answer": p.answer, "qtype": p.qtype} for p in pairs],
            ensure_ascii=False,
        )
        with self._lock:
            self._open().execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, model, prompt_version, blob, raw, prompt_tokens, completion_tokens, time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            if self._conn is None:
                return 0
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        """Close the connection; the cache must not be used afterwards."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
