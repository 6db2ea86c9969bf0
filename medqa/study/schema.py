"""The study database's schema, as numbered migrations (medqa.core.db.migrate applies them).

Never edit a released migration: add the next number. The same statements run on SQLite and
PostgreSQL (see medqa.core.db for the brace words).

Tables: one row per study, arm, case, prepared answer (per case and arm), rater, sign-in session,
queue entry (an *assignment*: one rater, one case, one arm or one pair of arms, its 1-based
position in that rater's queue) and *judgement* (one rater's scores for one answer of one
assignment; a pairwise assignment has two, and the preference is stored on both).
"""

from __future__ import annotations

from medqa.core.db import Migration

ERROR_TYPES = ("hallucination", "missed_finding", "wrong_side", "wrong_severity", "unsafe_advice", "language")
SCORES = ("accuracy", "completeness", "safety")
PREFERENCES = ("A", "B", "tie", "both_bad")

_V1 = (
    """CREATE TABLE studies (
        study_id TEXT PRIMARY KEY, title TEXT NOT NULL, design TEXT NOT NULL, language TEXT NOT NULL,
        definition TEXT NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE arms (
        study_id TEXT NOT NULL REFERENCES studies (study_id), arm_id TEXT NOT NULL, number INTEGER NOT NULL,
        spec TEXT NOT NULL, PRIMARY KEY (study_id, arm_id))""",
    """CREATE TABLE cases (
        study_id TEXT NOT NULL REFERENCES studies (study_id), case_id TEXT NOT NULL, number INTEGER NOT NULL,
        patient TEXT NOT NULL, image TEXT NOT NULL, question TEXT NOT NULL, reference TEXT, qtype TEXT,
        PRIMARY KEY (study_id, case_id))""",
    """CREATE TABLE answers (
        study_id TEXT NOT NULL, case_id TEXT NOT NULL, arm_id TEXT NOT NULL, text TEXT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (study_id, case_id, arm_id),
        FOREIGN KEY (study_id, case_id) REFERENCES cases (study_id, case_id),
        FOREIGN KEY (study_id, arm_id) REFERENCES arms (study_id, arm_id))""",
    """CREATE TABLE raters (
        study_id TEXT NOT NULL REFERENCES studies (study_id), rater_id TEXT NOT NULL, number INTEGER NOT NULL,
        code_lookup TEXT, code_hash TEXT, invited_at TEXT, PRIMARY KEY (study_id, rater_id))""",
    "CREATE UNIQUE INDEX raters_code_lookup ON raters (study_id, code_lookup)",
    """CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, study_id TEXT NOT NULL, rater_id TEXT NOT NULL, created_at TEXT NOT NULL,
        FOREIGN KEY (study_id, rater_id) REFERENCES raters (study_id, rater_id))""",
    """CREATE TABLE assignments (
        assignment_id {id}, study_id TEXT NOT NULL, rater_id TEXT NOT NULL, position INTEGER NOT NULL,
        case_id TEXT NOT NULL, arm_a TEXT NOT NULL, arm_b TEXT NOT NULL DEFAULT '',
        UNIQUE (study_id, rater_id, position), UNIQUE (study_id, rater_id, case_id, arm_a, arm_b),
        FOREIGN KEY (study_id, rater_id) REFERENCES raters (study_id, rater_id),
        FOREIGN KEY (study_id, case_id) REFERENCES cases (study_id, case_id))""",
    """CREATE TABLE judgements (
        judgement_id {id}, assignment_id BIGINT NOT NULL REFERENCES assignments (assignment_id),
        study_id TEXT NOT NULL, rater_id TEXT NOT NULL, case_id TEXT NOT NULL, arm_id TEXT NOT NULL,
        shown_as TEXT NOT NULL, accuracy INTEGER, completeness INTEGER, safety INTEGER,
        err_hallucination INTEGER NOT NULL, err_missed_finding INTEGER NOT NULL, err_wrong_side INTEGER NOT NULL,
        err_wrong_severity INTEGER NOT NULL, err_unsafe_advice INTEGER NOT NULL, err_language INTEGER NOT NULL,
        preference TEXT, comment TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        revision INTEGER NOT NULL, UNIQUE (assignment_id, arm_id))""",
    "CREATE INDEX judgements_study_rater ON judgements (study_id, rater_id)",
)

MIGRATIONS = (
    Migration(1, "study tables: studies, arms, cases, answers, raters, sessions, assignments, judgements", _V1),
)
