"""Evaluation items: one per assistant turn, with its teacher-forced prompt and its reference answer.

Every assistant turn of every record is one item. Its prompt is the conversation up to that
user turn with the *reference* earlier answers (teacher forcing, as the paper's per-question
evaluation); the prediction is scored against that turn's reference answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from medqa.core.conversation import fill_images, message_text, record_images


class EvaluationError(RuntimeError):
    """A run that cannot go on or cannot be trusted; the message says what to do."""


@dataclass(frozen=True)
class EvalItem:
    """One assistant turn to predict: its teacher-forced prompt and its reference answer."""

    key: str  # "<record id>#<turn>", the resume key
    record_id: str
    turn: int
    qtype: str
    question: str
    reference: str
    prompt: list = field(repr=False)
    image: str | None = None


def build_items(records: Sequence[dict], where: str = "dataset") -> list[EvalItem]:
    """One item per assistant turn; a record without id/messages, or a turn not after a question, is an error."""
    items, seen = [], set()
    for n, record in enumerate(records):
        rid, messages = record.get("id"), record.get("messages")
        if not rid or not isinstance(messages, list):
            raise ValueError(f"{where}, record {n + 1}: a record needs an 'id' and a 'messages' list")
        if rid in seen:
            raise ValueError(f"{where}: record id {rid!r} appears twice; ids key the saved predictions")
        seen.add(rid)
        qtypes, images = record.get("qtypes") or [], record_images(record)
        messages = fill_images(messages, record.get("images"))
        for j, message in enumerate(messages):
            if message.get("role") != "assistant":
                continue
            turn = sum(m.get("role") == "assistant" for m in messages[:j])
            if j == 0 or messages[j - 1].get("role") != "user":
                raise ValueError(f"{where}, record {rid}: answer {turn} does not follow a user question")
            items.append(EvalItem(f"{rid}#{turn}", rid, turn, qtypes[turn] if turn < len(qtypes) else "unknown",
                                  message_text(messages[j - 1]), message_text(message), messages[:j],
                                  images[0] if images else None))
    return items
