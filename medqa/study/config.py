"""Options of `python -m medqa.study` (medqa.core.config reads them from the command line, a file or MEDQA_*)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class StudyArguments:
    """`python -m medqa.study COMMAND STUDY.yaml [options]`."""

    command: Literal["prepare", "invite", "serve", "report", "hash-code"] = field(metadata={
        "help": "prepare: generate every arm's answers and the raters' queues; invite: new access codes; "
                "serve: the rater and coordinator views alone (no model); report: results into --out; "
                "hash-code: print the hash of an access code for a study file"})
    study: str = field(metadata={"help": "the study YAML file (hash-code: the access code)"})
    db: str | None = field(default=None, metadata={
        "default_text": "the study file's db, else OUTPUT/study.db",
        "help": "study database: a SQLite file or postgresql://user@host/db"})
    out: str | None = field(default=None, metadata={
        "default_text": "OUTPUT/report (invite: OUTPUT/invitations.csv)", "help": "where report/invite write"})
    language: Literal["zh", "en"] | None = field(default=None, metadata={
        "default_text": "the study's language", "help": "language of the report's labels"})
    raters: list[str] = field(default_factory=list, metadata={
        "help": "invite: these raters (a new code replaces the old one); default: raters without a code"})
    progress: bool = field(default=True, metadata={"help": "show progress bars (--no_progress hides them)"})
    host: str = field(default="127.0.0.1", metadata={"help": "serve: interface to listen on"})
    port: int = field(default=7860, metadata={"help": "serve: port to listen on"})
    trusted_proxies: str | None = field(default=None, metadata={
        "help": "serve: comma-separated addresses or networks of your reverse proxies; only from them is "
                "X-Forwarded-For believed (login throttle); unset: never"})
    admin_password: str | None = field(default=None, metadata={
        "help": "serve: coordinator password (set MEDQA_ADMIN_PASSWORD rather than typing it)"})
