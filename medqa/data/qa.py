"""The interface every question/answer generator implements (rule-based and LLM)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from medqa.data.records import Report, SkipLog


@dataclass(frozen=True)
class QAPair:
    """One Chinese question and its answer, with the kind of question it is and, for closed questions, its label.

    `qtype` is the question type evaluation scores by: closed "projection", "normality", "presence" (present,
    absent or uncertain answers), "location", "severity"; open "description", "impression", "llm".
    `label` is {"finding", "status", "side", "severity"[, "qualifiers"]} (None for open questions and the LLM
    generator), so evaluation can check its text reader against the builder.
    """

    question: str
    answer: str
    qtype: str
    label: dict | None = None


LABEL_FIELDS = ("finding", "status", "side", "severity")


def stored_label(label: dict | None) -> dict:
    """A turn's label as records store it: every field present (None where unknown, `qualifiers` a list).

    One shape for every turn of every fold, so `datasets` (4 and 5) reads one schema, never a null type.
    """
    label = label or {}
    return {**{key: label.get(key) for key in LABEL_FIELDS}, "qualifiers": list(label.get("qualifiers") or [])}


class GenerationStopped(RuntimeError):
    """The generator cannot go on at all (the API refused the key, every call failed): the build stops."""


class QAGenerator(Protocol):
    """Turns reports into Chinese Q&A pairs; one bad report is logged in `skips`, never raised.

    Only a failure that would hit every report raises `GenerationStopped`.
    """

    name: str

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Return the Q&A pairs for each report uid it could handle (the rest go to `skips`)."""
        ...

    def card_info(self) -> dict:
        """Facts for the dataset card: settings, counts, cost, terms it could not translate."""
        ...
