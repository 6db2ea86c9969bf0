"""The interface every question/answer generator implements (rule-based and LLM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medqa.data.records import Report, SkipLog


@dataclass(frozen=True)
class QAPair:
    """One Chinese question and its answer, with the kind of question it is.

    `qtype` names the question family ("normality", "presence", "absence", "location",
    "severity", "impression", "projection", "llm"); evaluation baselines group by it.
    """

    question: str
    answer: str
    qtype: str


class QAGenerator(Protocol):
    """Turns reports into Chinese Q&A pairs; one bad report is logged in `skips`, never raised."""

    name: str

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Return the Q&A pairs for each report uid it could handle (the rest go to `skips`)."""
        ...

    def card_info(self) -> dict:
        """Facts for the dataset card: settings, counts, cost, terms it could not translate."""
        ...
