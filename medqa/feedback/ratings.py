"""One rated answer (`Rating`) and the checks every rating passes before it is stored.

A rating holds the clinician's thumbs, 1-5 accuracy/completeness/safety and comment on one assistant
turn, with the whole conversation, model, adapter, decoding settings, latency and the image's
SHA-256. No file name or DICOM tag is stored: image parts must be
``{"type": "image", "image": "sha256:<hex>"}``; anything else is refused.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medqa.core.conversation import message_text

SCORES = ("accuracy", "completeness", "safety")
THUMBS = ("up", "down")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DB_FILE = "medqa_ratings.db"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
RATING_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass
class Rating:
    """One rated answer: which conversation, which model, which assistant turn, and the ratings."""

    session_id: str
    clinician_id: str
    model_id: str
    adapter_id: str | None
    adapter_hash: str | None
    conversation: list[dict]  # medqa messages; image parts carry "sha256:<hex>", never pixels or paths
    answer_index: int  # which assistant turn is rated, counting assistant turns from 0
    thumbs: str | None  # "up" | "down" | None
    accuracy: int | None
    completeness: int | None
    safety: int | None
    comment: str = ""
    decoding: dict = field(default_factory=dict)
    latency_s: float | None = None
    image_sha256: str | None = None  # hex digest of the image the conversation is about
    image_png: bytes | None = None  # stored only when the store allows it
    language: str = "zh"
    # Made when the rating form for this answer is shown: saving the same key again updates that row,
    # so a rating resubmitted after a lost reply is stored once.
    rating_key: str | None = None


def image_sha256(data: bytes) -> str:
    """The hex SHA-256 of image bytes; conversations refer to an image as ``"sha256:" + image_sha256(data)``."""
    return hashlib.sha256(data).hexdigest()


def default_db_path(explicit: str | Path | None, *, data_dir: str | Path = "/data") -> Path:
    """Where the database lives: `explicit` (the demo's --db / MEDQA_DB) > /data/medqa_ratings.db (Spaces) > ./."""
    if explicit:
        return Path(explicit)
    if Path(data_dir).is_dir():
        return Path(data_dir) / DB_FILE
    return Path(DB_FILE)


def rated_turn(conversation: list[dict], answer_index: int) -> tuple[str, str]:
    """(question, answer) texts of assistant turn `answer_index` (from 0) and the user message just before it."""
    question, seen = "", -1
    for message in conversation:
        if message.get("role") == "user":
            question = message_text(message)
        elif message.get("role") == "assistant":
            seen += 1
            if seen == answer_index:
                return question, message_text(message)
    raise ValueError(f"rating: answer_index {answer_index} does not name an assistant turn")


# -- validation ------------------------------------------------------------------------------


def _check_text(name: str, value: Any, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"rating: {name} must be a non-empty string, got {value!r}")


def _check_scores(rating: Rating) -> None:
    if rating.thumbs not in (*THUMBS, None):
        raise ValueError(f"rating: thumbs must be 'up', 'down' or None, got {rating.thumbs!r}")
    for name in SCORES:
        value = getattr(rating, name)
        # bool is an int subclass; True must not pass as a score of 1.
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
            raise ValueError(f"rating: {name} must be an integer 1-5 or None, got {value!r}")
    if not isinstance(rating.comment, str):
        raise ValueError(f"rating: comment must be a string, got {type(rating.comment).__name__}")
    if rating.thumbs is None and all(getattr(rating, n) is None for n in SCORES) and not rating.comment.strip():
        raise ValueError("rating: empty rating; give thumbs, a 1-5 score or a comment")


def _check_image_part(where: str, part: dict) -> None:
    value = part.get("image")
    ref_ok = isinstance(value, str) and value.startswith("sha256:") and _SHA256_HEX.fullmatch(value[7:])
    if not ref_ok:
        # The value is not echoed: it may be a file name that identifies a patient.
        raise ValueError(
            f"rating: conversation {where} must refer to its image as 'sha256:<64 hex>' "
            f"(pixels, paths and file names are never stored), got a {type(value).__name__}"
        )


def _check_conversation(conversation: Any, answer_index: Any) -> None:
    if not isinstance(conversation, list) or not conversation:
        raise ValueError("rating: conversation must be a non-empty list of messages")
    for i, message in enumerate(conversation):
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
            raise ValueError(f"rating: conversation message {i} needs a role of system, user or assistant")
        content = message.get("content")
        parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(parts, list):
            raise ValueError(f"rating: conversation message {i} content must be a string or a list of parts")
        for j, part in enumerate(parts):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "image":
                _check_image_part(f"message {i} part {j}", part)
            elif kind != "text" or not isinstance(part.get("text"), str):
                raise ValueError(f"rating: conversation message {i} part {j} must be a text or an image part")
    n_answers = sum(m["role"] == "assistant" for m in conversation)
    if isinstance(answer_index, bool) or not isinstance(answer_index, int) or not 0 <= answer_index < n_answers:
        raise ValueError(
            f"rating: answer_index {answer_index!r} does not name an assistant turn; the conversation has "
            f"{n_answers} (answer_index counts assistant turns from 0)"
        )


def _check_extras(rating: Rating) -> None:
    if not isinstance(rating.decoding, dict):
        raise ValueError(f"rating: decoding must be a dict, got {type(rating.decoding).__name__}")
    latency = rating.latency_s
    if latency is not None and (
        isinstance(latency, bool) or not isinstance(latency, (int, float)) or not math.isfinite(latency) or latency < 0
    ):
        raise ValueError(f"rating: latency_s must be a finite number >= 0 or None, got {latency!r}")
    if rating.image_sha256 is not None and not (
        isinstance(rating.image_sha256, str) and _SHA256_HEX.fullmatch(rating.image_sha256)
    ):
        raise ValueError("rating: image_sha256 must be 64 lower-case hex digits (see image_sha256()) or None")
    if rating.image_png is not None and not (
        isinstance(rating.image_png, bytes) and rating.image_png.startswith(PNG_SIGNATURE)
    ):
        raise ValueError("rating: image_png must be PNG-encoded bytes or None")


def validate(rating: Rating) -> None:
    """Raise ValueError naming the first problem with `rating`; return None when it can be stored."""
    if not isinstance(rating, Rating):
        raise ValueError(f"expected a Rating, got {type(rating).__name__}")
    for name in ("session_id", "clinician_id", "model_id", "language"):
        _check_text(name, getattr(rating, name), required=True)
    for name in ("adapter_id", "adapter_hash"):
        _check_text(name, getattr(rating, name), required=False)
    _check_scores(rating)
    _check_conversation(rating.conversation, rating.answer_index)
    _check_extras(rating)
    if rating.rating_key is not None and not (isinstance(rating.rating_key, str)
                                              and RATING_KEY.fullmatch(rating.rating_key)):
        raise ValueError("rating: rating_key must be 8-64 letters, digits, - or _ (or None)")
