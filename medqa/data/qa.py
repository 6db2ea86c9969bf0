"""The interface every question/answer generator implements (rule-based and LLM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medqa.data.records import Report, SkipLog


@dataclass(frozen=True)
class QAPair:
    """One Chinese question and its answer, with the kind of question it is and, for closed questions, its label.

    `qtype` is the question type of PLAN.md's contract: closed "projection", "normality", "presence" (present,
    absent or uncertain answers), "location", "severity"; open "description", "impression", "llm".
    `label` is {"finding", "status", "side", "severity"} (None for open questions and the LLM generator), so
    evaluation can check its text reader against the builder.
    """

    question: str
    answer: str
    qtype: str
    label: dict | None = None


class QAGenerator(Protocol):
    """Turns reports into Chinese Q&A pairs; one bad report is logged in `skips`, never raised."""

    name: str

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Return the Q&A pairs for each report uid it could handle (the rest go to `skips`)."""
        ...

    def card_info(self) -> dict:
        """Facts for the dataset card: settings, counts, cost, terms it could not translate."""
        ...
