"""The study store: prepared cases and answers, raters, queues and judgements, on SQLite or PostgreSQL.

Every method is one transaction that has committed when it returns, so an acknowledged
judgement survives a killed app. The app keeps nothing about a rater in memory: the sign-in
token (kept by the rater's page) finds the rater, and the queue position is whatever the
database says is the first unjudged assignment, so a rater resumes on any browser and any
app replica.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medqa.core.db import Database, migrate, now_iso
from medqa.core.text import without_controls
from medqa.study import codes
from medqa.study.schema import ERROR_TYPES, MIGRATIONS, PREFERENCES, SCORES

MAX_COMMENT_CHARS = 4000  # a longer comment is refused with this limit, never cut


class StudyStoreError(ValueError):
    """A request the store refuses: an unknown rater or assignment, a malformed judgement.

    The message is English (logs, the command line); `key` and `values` name it for the rater's view, which
    says it in the study's language (medqa.study.labels)."""

    def __init__(self, message: str, key: str | None = None, **values) -> None:
        super().__init__(message)
        self.key, self.values = key, values


@dataclass
class AnswerJudgement:
    """One rater's scores for one answer: three 1-5 scores and the error types ticked."""

    accuracy: int | None
    completeness: int | None
    safety: int | None
    errors: Sequence[str] = ()


@dataclass
class Submission:
    """What the rater's form sends for one assignment: per shown answer ('A', 'B'), preference, comment."""

    assignment_id: int
    answers: dict[str, AnswerJudgement]
    preference: str | None = None
    comment: str = ""


def _score(name: str, value, letter: str, pairwise: bool) -> int:
    """A 1-5 score from the form (an int, or its text as a radio sends it)."""
    where = f"answer {letter}: " if pairwise else ""
    answer = f"answer_{letter.lower()}" if pairwise else "answer"
    if value in (None, ""):
        raise StudyStoreError(f"{where}{name} is missing", "score_missing", answer=answer, score=name)
    text = str(value).strip()
    if isinstance(value, bool) or text not in ("1", "2", "3", "4", "5"):
        raise StudyStoreError(f"{where}{name} must be 1-5, got {value!r}", "score_range", answer=answer, score=name)
    return int(text)


class StudyStore:
    """One study's rows in one database (a file path or a postgresql:// URL)."""

    def __init__(self, target: str | Path | Database, study_id: str) -> None:
        """Open the database, apply pending migrations, and serve study `study_id`."""
        self.db = target if isinstance(target, Database) else Database(target)
        self.study_id = study_id
        migrate(self.db, MIGRATIONS)

    def close(self) -> None:
        """Release the database's connections."""
        self.db.close()

    # -- set-up (python -m medqa.study prepare / invite) ------------------------------------------
    def study_row(self) -> dict | None:
        """The stored study row, or None before `prepare`."""
        rows = self.db.query("SELECT * FROM studies WHERE study_id = ?", [self.study_id])
        return rows[0] if rows else None

    def has_judgements(self) -> bool:
        """True once any rater has submitted anything."""
        return bool(self.db.query("SELECT 1 AS x FROM judgements WHERE study_id = ? LIMIT 1", [self.study_id]))

    def save_setup(self, study: dict, arms: list[dict], cases: list[dict], answers: list[dict],
                   raters: list[dict], assignments: list[dict]) -> None:
        """Store a prepared study in one transaction; rows already there are kept (prepare is resumable)."""
        sid, now = self.study_id, now_iso()
        with self.db.transaction() as cur:
            cur.execute("INSERT INTO studies (study_id, title, design, language, definition, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (study_id) DO UPDATE SET title = excluded.title, "
                        "definition = excluded.definition, language = excluded.language",
                        [sid, study["title"], study["design"], study["language"],
                         json.dumps(study["definition"], ensure_ascii=False), now])
            cur.executemany("INSERT INTO arms (study_id, arm_id, number, spec) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (study_id, arm_id) DO UPDATE SET spec = excluded.spec",
                            [(sid, a["arm_id"], a["number"], json.dumps(a["spec"], ensure_ascii=False)) for a in arms])
            cur.executemany("INSERT INTO cases (study_id, case_id, number, patient, image, question, reference, "
                            "qtype) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (study_id, case_id) DO NOTHING",
                            [(sid, c["case_id"], c["number"], c["patient"], c["image"], without_controls(c["question"]),
                              c.get("reference") and without_controls(c["reference"]), c.get("qtype")) for c in cases])
            cur.executemany("INSERT INTO answers (study_id, case_id, arm_id, text, created_at) VALUES "
                            "(?, ?, ?, ?, ?) ON CONFLICT (study_id, case_id, arm_id) DO NOTHING",
                            # a model's output may hold NUL, which PostgreSQL cannot store
                            [(sid, a["case_id"], a["arm_id"], without_controls(a["text"]), now) for a in answers])
            cur.executemany("INSERT INTO raters (study_id, rater_id, number) VALUES (?, ?, ?) "
                            "ON CONFLICT (study_id, rater_id) DO NOTHING",
                            [(sid, r["rater_id"], r["number"]) for r in raters])
            cur.executemany("INSERT INTO assignments (study_id, rater_id, position, case_id, arm_a, arm_b) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (study_id, rater_id, position) DO NOTHING",
                            [(sid, a["rater_id"], a["position"], a["case_id"], a["arm_a"], a.get("arm_b") or "")
                             for a in assignments])

    def assignments(self) -> list[dict]:
        """Every queue entry of the study, by rater and position."""
        return self.db.query("SELECT * FROM assignments WHERE study_id = ? ORDER BY rater_id, position",
                             [self.study_id])

    def set_code(self, rater_id: str, code: str) -> None:
        """Give `rater_id` the access code `code` (its hash only is stored); the old code stops working."""
        code = codes.normalise_code(code)
        if not code:
            raise StudyStoreError("not an access code (4 groups of 4 letters and digits)")
        with self.db.transaction() as cur:
            n = cur.execute("UPDATE raters SET code_lookup = ?, code_hash = ?, invited_at = ? "
                            "WHERE study_id = ? AND rater_id = ?",
                            [codes.code_lookup(code), codes.hash_code(code), now_iso(), self.study_id, rater_id])
            if n == 0:
                raise StudyStoreError(f"no rater {rater_id!r} in study {self.study_id!r}; run prepare first")
            cur.execute("DELETE FROM sessions WHERE study_id = ? AND rater_id = ?", [self.study_id, rater_id])

    def set_code_hash(self, rater_id: str, lookup: str | None, code_hash: str) -> None:
        """Store a hash made elsewhere (a study file's `code_hash`), unless the rater already has that one."""
        self.db.execute("UPDATE raters SET code_lookup = ?, code_hash = ?, invited_at = COALESCE(invited_at, ?) "
                        "WHERE study_id = ? AND rater_id = ? AND (code_hash IS NULL OR code_hash <> ?)",
                        [lookup, code_hash, now_iso(), self.study_id, rater_id, code_hash])

    # -- raters ---------------------------------------------------------------------------------
    def sign_in(self, code: str) -> tuple[str, str] | None:
        """(rater id, new session token) for a valid access code, else None.

        The row is found by a hash of the whole code, then the code is checked against its scrypt hash
        (constant-time); when no row matches, a dummy hash is checked instead, so a wrong code costs what a
        right one does. Rows without that key (a study file's `code_hash`, or a key of an older medqa) are
        each checked, all of them, whatever the code looks like.
        """
        code = codes.normalise_code(code)
        if not code:
            return None
        rows = self.db.query("SELECT rater_id, code_hash FROM raters WHERE study_id = ? AND code_hash IS NOT NULL "
                             "AND (code_lookup = ? OR code_lookup IS NULL OR code_lookup NOT LIKE ?)",
                             [self.study_id, codes.code_lookup(code), codes.LOOKUP_PREFIX + "%"])
        matches = [r["rater_id"] for r in rows if codes.verify_code(code, r["code_hash"])]  # no early exit
        if not rows:
            codes.verify_code(code, codes.dummy_hash())
        if len(matches) != 1:
            return None
        rater = matches[0]
        token = codes.new_token()
        self.db.execute("INSERT INTO sessions (token_hash, study_id, rater_id, created_at) VALUES (?, ?, ?, ?)",
                        [codes.token_hash(token), self.study_id, rater, now_iso()])
        return rater, token

    def rater_for(self, token: str | None) -> str | None:
        """The rater a session token belongs to, or None."""
        if not token:
            return None
        rows = self.db.query("SELECT rater_id FROM sessions WHERE token_hash = ? AND study_id = ?",
                             [codes.token_hash(token), self.study_id])
        return rows[0]["rater_id"] if rows else None

    def queue_state(self, rater_id: str) -> dict:
        """{'done', 'total', 'next': the first unjudged assignment (with case and answers) or None}."""
        def read(cur) -> dict:
            rows = cur.query(
                "SELECT a.assignment_id, a.position, EXISTS (SELECT 1 FROM judgements j WHERE j.assignment_id = "
                "a.assignment_id) AS done FROM assignments a WHERE a.study_id = ? AND a.rater_id = ? "
                "ORDER BY a.position", [self.study_id, rater_id])
            pending = [r for r in rows if not r["done"]]
            nxt = self._assignment(cur, rater_id, pending[0]["assignment_id"]) if pending else None
            return {"done": len(rows) - len(pending), "total": len(rows), "next": nxt}

        return self.db.run(read, write=False)  # retried once on a connection a server restart broke

    def assignment_at(self, rater_id: str, position: int) -> int | None:
        """The id of the assignment at 1-based `position` of the rater's queue, or None."""
        rows = self.db.query("SELECT assignment_id FROM assignments WHERE study_id = ? AND rater_id = ? AND "
                             "position = ?", [self.study_id, rater_id, int(position)])
        return int(rows[0]["assignment_id"]) if rows else None

    def assignment(self, rater_id: str, assignment_id: int) -> dict:
        """One of the rater's assignments with its case, its answers by shown letter and its judgements."""
        return self.db.run(lambda cur: self._assignment(cur, rater_id, assignment_id), write=False)

    def _assignment(self, cur, rater_id: str, assignment_id: int) -> dict:
        rows = cur.query(
            "SELECT a.*, c.number AS case_number, c.image, c.question, c.patient FROM assignments a JOIN cases c "
            "ON c.study_id = a.study_id AND c.case_id = a.case_id WHERE a.study_id = ? AND a.rater_id = ? AND "
            "a.assignment_id = ?", [self.study_id, rater_id, int(assignment_id)])
        if not rows:
            raise StudyStoreError(f"assignment {assignment_id} is not in rater {rater_id}'s queue")
        entry = rows[0]
        shown = {"A": entry["arm_a"], **({"B": entry["arm_b"]} if entry["arm_b"] else {})}
        texts = {r["arm_id"]: r["text"] for r in cur.query(
            "SELECT arm_id, text FROM answers WHERE study_id = ? AND case_id = ?", [self.study_id, entry["case_id"]])}
        entry["answers"] = {letter: texts[arm] for letter, arm in shown.items()}
        entry["judgements"] = {r["shown_as"]: r for r in cur.query(
            "SELECT * FROM judgements WHERE assignment_id = ?", [int(assignment_id)])}
        return entry

    def submit(self, rater_id: str, submission: Submission) -> tuple[int, int]:
        """Store (or update: same assignment, same answer) one submission; (its revision, its queue position)."""
        entry = self.assignment(rater_id, submission.assignment_id)
        shown = {"A": entry["arm_a"], **({"B": entry["arm_b"]} if entry["arm_b"] else {})}
        rows = self._judgement_rows(entry, shown, submission)
        def write(cur) -> list[dict]:
            cur.executemany(
                "INSERT INTO judgements (assignment_id, study_id, rater_id, case_id, arm_id, shown_as, accuracy, "
                "completeness, safety, err_hallucination, err_missed_finding, err_wrong_side, err_wrong_severity, "
                "err_unsafe_advice, err_language, preference, comment, created_at, revision, updated_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (assignment_id, arm_id) DO "
                "UPDATE SET accuracy = excluded.accuracy, completeness = excluded.completeness, safety = "
                "excluded.safety, err_hallucination = excluded.err_hallucination, err_missed_finding = "
                "excluded.err_missed_finding, err_wrong_side = excluded.err_wrong_side, err_wrong_severity = "
                "excluded.err_wrong_severity, err_unsafe_advice = excluded.err_unsafe_advice, err_language = "
                "excluded.err_language, preference = excluded.preference, comment = excluded.comment, "
                "updated_at = excluded.updated_at, revision = judgements.revision + 1", rows)
            return cur.query("SELECT MAX(revision) AS r FROM judgements WHERE assignment_id = ?",
                             [entry["assignment_id"]])

        revision = self.db.run(write)  # retried once only when nothing was committed (medqa.core.db)
        return int(revision[0]["r"]), int(entry["position"])

    def _judgement_rows(self, entry: dict, shown: dict, sub: Submission) -> list[tuple]:
        if set(sub.answers) != set(shown):
            raise StudyStoreError(f"this case needs scores for answer(s) {', '.join(sorted(shown))}", "needs_answers",
                                  letters=" / ".join(sorted(shown)))
        pairwise = len(shown) == 2
        if pairwise and sub.preference not in PREFERENCES:
            raise StudyStoreError("choose a preference: A, B, tie or both bad", "needs_preference")
        preference = {"A": shown["A"], "B": shown.get("B")}.get(sub.preference, sub.preference) if pairwise else None
        # Control characters (NUL above all, which PostgreSQL cannot store) go on both stores alike.
        comment, now, rows = without_controls(str(sub.comment or "")).strip(), now_iso(), []
        if len(comment) > MAX_COMMENT_CHARS:  # refused, never cut: a shortened comment could say something else
            raise StudyStoreError(f"the comment has {len(comment)} characters; the limit is {MAX_COMMENT_CHARS}",
                                  "comment_too_long", chars=len(comment), limit=MAX_COMMENT_CHARS)
        for letter, arm in shown.items():
            judged = sub.answers[letter]
            where = f"answer {letter}: " if pairwise else ""
            scores = [_score(name, getattr(judged, name), letter, pairwise) for name in SCORES]
            unknown = set(judged.errors) - set(ERROR_TYPES)
            if unknown:
                raise StudyStoreError(f"{where}unknown error type(s) {sorted(unknown)}", "unknown_errors")
            flags = [int(e in judged.errors) for e in ERROR_TYPES]
            rows.append((entry["assignment_id"], self.study_id, entry["rater_id"], entry["case_id"], arm, letter,
                         *scores, *flags, preference, comment, now, now))
        return rows

    # -- coordinator -----------------------------------------------------------------------------
    def judgement_rows(self) -> list[dict]:
        """Every judgement joined with its case, answer and queue position, in submission order."""
        return self.db.query(
            "SELECT j.*, a.position, a.arm_a, a.arm_b, c.number AS case_number, c.patient, c.image, c.question, "
            "c.qtype, an.text AS answer, r.number AS rater_number, ar.number AS arm_number FROM judgements j "
            "JOIN assignments a ON a.assignment_id = j.assignment_id "
            "JOIN cases c ON c.study_id = j.study_id AND c.case_id = j.case_id "
            "JOIN answers an ON an.study_id = j.study_id AND an.case_id = j.case_id AND an.arm_id = j.arm_id "
            "JOIN raters r ON r.study_id = j.study_id AND r.rater_id = j.rater_id "
            "JOIN arms ar ON ar.study_id = j.study_id AND ar.arm_id = j.arm_id "
            "WHERE j.study_id = ? ORDER BY j.created_at, j.judgement_id", [self.study_id])

    def progress(self) -> dict:
        """{'raters': [{rater_id, done, total, last}], 'cases': [{case_id, number, done, total}]}."""
        sid = [self.study_id]
        raters = self.db.query(
            "SELECT r.rater_id, r.number, COUNT(a.assignment_id) AS total, r.invited_at, "
            "(SELECT COUNT(DISTINCT j.assignment_id) FROM judgements j WHERE j.study_id = r.study_id AND "
            "j.rater_id = r.rater_id) AS done, (SELECT MAX(j.updated_at) FROM judgements j WHERE j.study_id = "
            "r.study_id AND j.rater_id = r.rater_id) AS last FROM raters r LEFT JOIN assignments a ON "
            "a.study_id = r.study_id AND a.rater_id = r.rater_id WHERE r.study_id = ? GROUP BY r.rater_id, "
            "r.number, r.invited_at, r.study_id ORDER BY r.number", sid)
        cases = self.db.query(
            "SELECT c.case_id, c.number, c.patient, COUNT(a.assignment_id) AS total, "
            "(SELECT COUNT(DISTINCT j.assignment_id) FROM judgements j WHERE j.study_id = c.study_id AND "
            "j.case_id = c.case_id) AS done FROM cases c LEFT JOIN assignments a ON a.study_id = c.study_id AND "
            "a.case_id = c.case_id WHERE c.study_id = ? GROUP BY c.case_id, c.number, c.patient, c.study_id "
            "ORDER BY c.number", sid)
        return {"raters": raters, "cases": cases}

    def arm_ids(self) -> list[str]:
        """The study's arms in their study-file order."""
        return [r["arm_id"] for r in self.db.query("SELECT arm_id FROM arms WHERE study_id = ? ORDER BY number",
                                                   [self.study_id])]
