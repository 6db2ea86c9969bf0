"""Evaluation items: one per assistant turn, with its teacher-forced prompt and its reference answer.

Every assistant turn of every record is one item. Its prompt is the conversation up to that
user turn with the *reference* earlier answers (teacher forcing, as the paper's per-question
evaluation); the prediction is scored against that turn's reference answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from medqa.core.conversation import fill_images, message_text, record_images
from medqa.eval.labels import builder_label


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
    fold: int = 0
    patient: str = ""  # the record's uid: the bootstrap resamples patients
    label: str | None = None  # the builder's label for this turn, where the record has one (medqa.eval.labels)


def build_items(records: Sequence[dict], where: str = "dataset", fold: int = 0) -> list[EvalItem]:
    """One item per assistant turn; a record without id/messages, or a turn not after a question, is an error.

    An item's patient is its record's `uid` (the record id when it has none); its label is the
    builder's label of that turn (`labels[turn]` of the record) read for its question type.
    """
    items, seen = [], set()
    for n, record in enumerate(records):
        rid, messages = record.get("id"), record.get("messages")
        if not rid or not isinstance(messages, list):
            raise ValueError(f"{where}, record {n + 1}: a record needs an 'id' and a 'messages' list")
        if rid in seen:
            raise ValueError(f"{where}: record id {rid!r} appears twice; ids key the saved predictions")
        seen.add(rid)
        qtypes, images = record.get("qtypes") or [], record_images(record)
        labels = record.get("labels") if isinstance(record.get("labels"), list) else []
        messages = fill_images(messages, record.get("images"))
        for j, message in enumerate(messages):
            if message.get("role") != "assistant":
                continue
            turn = sum(m.get("role") == "assistant" for m in messages[:j])
            if j == 0 or messages[j - 1].get("role") != "user":
                raise ValueError(f"{where}, record {rid}: answer {turn} does not follow a user question")
            qtype = qtypes[turn] if turn < len(qtypes) else "unknown"
            items.append(EvalItem(f"{rid}#{turn}", rid, turn, qtype, message_text(messages[j - 1]),
                                  message_text(message), messages[:j], images[0] if images else None, fold,
                                  str(record.get("uid") or rid),
                                  builder_label(qtype, labels[turn] if turn < len(labels) else None)))
    return items
