"""One clinician's chat, without Gradio: state, input checks, context fitting, errors and ratings.

The UI keeps one `ChatSession` per browser session and calls these functions; everything here
is plain Python, so the rules (what a user turn contains, when history is cut, what an error
says, what a rating stores) are unit-tested without a server.

Two histories are kept on purpose: `turns` is the medqa conversation the model sees (only real
questions and answers), `display` is what the chat shows (also notices and error messages,
which must never reach the model).
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from medqa.app.i18n import t
from medqa.core.conversation import ConversationFormat, message_text, normalise_content
from medqa.core.imaging import ImageError
from medqa.core.text import without_controls
from medqa.feedback.ratings import RATING_KEY, Rating, image_sha256
from medqa.serve.errors import BackendUnavailable, is_out_of_memory
from medqa.serve.grounding import strip_boxes

CLINICIAN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
CONTROL_TOKEN_RE = re.compile(r"<\|[a-z_]+\|>")  # e.g. <|vision_pad|> from an untrained model
EXCHANGE_OVERHEAD_TOKENS = 12  # role markers and newlines the chat template adds per user/assistant pair


class InputError(ValueError):
    """Input the clinician can fix; the message is already in the session's language."""


@dataclass
class DisplayItem:
    """One chat bubble: `answer` is the index of the model answer it shows, None for questions and notices."""

    role: str
    text: str
    answer: int | None = None
    # For a notice: its text in a given language, so the language switch re-says it (None: stays as written).
    say: Callable[[str], str] | None = field(default=None, repr=False, compare=False)


@dataclass
class Answer:
    """What a rating needs to know about one model answer."""

    text: str
    decoding: dict
    latency_s: float | None
    stopped: bool = False
    # The id of this answer's thumbs rating (the chat's own thumbs): a second click updates it.
    rating_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    thumbs: str | None = None  # the thumb stored for it ("up" / "down"), which the chat shows filled


@dataclass
class ChatSession:
    """Everything one clinician's browser session holds; never shared between sessions."""

    session_id: str
    language: str = "zh"
    clinician_id: str | None = None
    image: Image.Image | None = None
    image_png: bytes | None = None
    image_sha256: str | None = None
    image_name: str | None = None
    turns: list[dict] = field(default_factory=list)
    display: list[DisplayItem] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    reference: dict | None = None  # {"pairs": [(question, answer), ...]} when the image is in the built dataset

    def notice(self, text: str) -> None:
        """Show `text` in the chat without sending it to the model."""
        self.display.append(DisplayItem("assistant", text))

    def tell(self, key: str, **values) -> None:
        """A notice from the STRINGS table: shown in the session's language, and re-said after a language switch."""
        self.told(lambda lang: t(key, lang, **values))

    def told(self, say: Callable[[str], str]) -> None:
        """A notice whose text `say(lang)` gives in either language."""
        self.display.append(DisplayItem("assistant", say(self.language), say=say))

    def relanguage(self, lang: str) -> None:
        """Switch the session to `lang`: notices already shown are said again in it."""
        self.language = lang
        for item in self.display:
            if item.say is not None:
                item.text = item.say(lang)

    def chat_messages(self) -> list[dict]:
        """The chat in Gradio's messages format."""
        return [{"role": item.role, "content": item.text} for item in self.display]

    def feedback(self) -> list[str | None]:
        """The chat's thumbs as stored, one per assistant message in order ('Like', 'Dislike' or None): what the
        page shows filled, so a thumb that was not saved does not look saved."""
        shown = {"up": "Like", "down": "Dislike"}
        return [shown.get(self.answers[item.answer].thumbs) if item.answer is not None else None
                for item in self.display if item.role == "assistant"]

    @property
    def image_sent(self) -> bool:
        """Whether a user turn already carries the image."""
        return any(p["type"] == "image" for m in self.turns for p in normalise_content(m["content"]))


# -- image --------------------------------------------------------------------------------------


def set_image(session: ChatSession, image: Image.Image, name: str, reference: dict | None = None) -> None:
    """Make `image` the session's case; an ongoing conversation about another image starts afresh."""
    if session.turns:
        reset_conversation(session)
        session.tell("new_case")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    # Hash the rendered pixels, not the upload: a DICOM file's bytes include its identifying tags.
    session.image, session.image_png = image, buf.getvalue()
    session.image_sha256 = image_sha256(session.image_png)
    session.image_name, session.reference = name, reference
    width, height = image.info.get("original_size", image.size)
    session.tell("image_loaded", name=name, width=width, height=height)
    if (width, height) != image.size:
        session.tell("image_reduced", width=width, height=height, kept_width=image.width, kept_height=image.height)


def image_error_text(exc: ImageError, lang: str) -> str:
    """The chat message for an image that cannot be used, in `lang`, without the library's words."""
    from medqa.app.image_errors import image_problem

    name, _, _ = str(exc).partition(": ")
    return t("image_error", lang, detail=image_problem(str(exc), name, lang))


def reset_conversation(session: ChatSession, keep_image: bool = True) -> None:
    """Forget the conversation (and the image unless `keep_image`); the clinician id stays."""
    session.turns, session.display, session.answers = [], [], []
    if not keep_image:
        session.image = session.image_png = session.image_sha256 = session.image_name = None
        session.reference = None


# -- questions ----------------------------------------------------------------------------------


def prepare_question(text: str | None, max_chars: int, lang: str) -> tuple[str, list[str]]:
    """The question to ask and notices about it; InputError when there is nothing to ask."""
    text = (text or "").strip()
    if not text:
        raise InputError(t("empty_question", lang))
    if len(text) > max_chars:
        return text[:max_chars], [t("question_truncated", lang, chars=len(text), kept=max_chars)]
    return text, []


def user_turn(session: ChatSession, text: str) -> dict:
    """One user turn: the session's image (if not yet sent) merged with the text, image first."""
    image = session.image if session.image is not None and not session.image_sent else None
    return ConversationFormat.user_turn(text, image)


def fit_context(turns: list[dict], budget: int, count: Callable[[str], int],
                image_tokens: int) -> tuple[list[dict], int, bool]:
    """Drop the oldest question/answer pairs until `turns` fits `budget` tokens.

    Returns (turns, pairs dropped, whether the last question was cut).

    The image moves to the first user turn that stays, so the model always sees it. When the last
    question alone is too long, its text is cut to fit.
    """
    image_parts = [p for m in turns for p in normalise_content(m["content"]) if p["type"] == "image"]
    cost = [count(message_text(m)) + EXCHANGE_OVERHEAD_TOKENS // 2 for m in turns]
    fixed = image_tokens * len(image_parts[:1])
    start = 0
    while start < len(turns) - 1 and fixed + sum(cost[start:]) > budget:
        start += 2  # one user turn and the answer after it
    kept = [{"role": m["role"], "content": [p for p in normalise_content(m["content"]) if p["type"] == "text"]}
            for m in turns[start:]]
    if image_parts:
        kept[0]["content"].insert(0, image_parts[0])
    over = fixed + sum(cost[start:]) - budget
    if over > 0:
        last = kept[-1]["content"][-1]
        text = last["text"]
        while text and count(text) + fixed + EXCHANGE_OVERHEAD_TOKENS // 2 > budget:
            text = text[: max(0, len(text) - max(1, over))]
        last["text"] = text
    return kept, start // 2, over > 0


def parse_region(text: str | None, image_size: tuple[int, int], lang: str) -> tuple[int, int, int, int]:
    """'x1, y1, x2, y2' in image pixels, ordered and inside the image; InputError otherwise."""
    numbers = [int(float(n)) for n in re.findall(r"-?\d+(?:\.\d+)?", text or "")]
    if len(numbers) != 4:
        raise InputError(t("bad_region", lang, detail="x1, y1, x2, y2"))
    w, h = image_size
    x1, x2 = sorted(min(max(v, 0), w) for v in numbers[0::2])
    y1, y2 = sorted(min(max(v, 0), h) for v in numbers[1::2])
    if x2 - x1 < 2 or y2 - y1 < 2:
        raise InputError(t("bad_region", lang, detail=f"({x1}, {y1}) – ({x2}, {y2})"))
    return x1, y1, x2, y2


# -- answers and errors ---------------------------------------------------------------------------


def add_answer(session: ChatSession, text: str, decoding: dict, latency_s: float | None, stopped: bool) -> int:
    """Record a finished (or stopped) answer after the pending user turn; return its answer index."""
    session.turns.append(ConversationFormat.assistant_turn(text))
    session.answers.append(Answer(text, decoding, latency_s, stopped))
    return len(session.answers) - 1


def shown_answer(text: str) -> str:
    """An answer as the chat shows it: boxes drawn on the image instead, no leftover control tokens."""
    return CONTROL_TOKEN_RE.sub("", strip_boxes(text)).strip() or "…"


def error_text(exc: BaseException, lang: str) -> str:
    """What the chat says when generation fails; the session goes on afterwards."""
    if isinstance(exc, BackendUnavailable):
        return t("model_unavailable", lang, detail=str(exc))
    if isinstance(exc, ImageError):
        return image_error_text(exc, lang)
    if is_out_of_memory(exc):
        return t("oom", lang)
    # The exception's own (English) words go to the log (the caller logs them, redacted), not into the chat.
    return t("model_error", lang)


def drop_last_answer(session: ChatSession) -> bool:
    """Remove the last answer so it can be generated again; False when there is none."""
    if not session.turns or session.turns[-1]["role"] != "assistant":
        return False
    session.turns.pop()
    session.answers.pop()
    while session.display and session.display[-1].role == "assistant":
        session.display.pop()
    return True


# -- ratings ------------------------------------------------------------------------------------


def check_clinician(value: str | None, lang: str) -> str:
    """A pseudonymous id: letters, digits, - and _ only, so a real name is unlikely to slip in."""
    value = (value or "").strip()
    if not CLINICIAN_RE.fullmatch(value):
        raise InputError(t("bad_clinician", lang))
    return value


def stored_conversation(session: ChatSession) -> list[dict]:
    """The conversation as it is stored: images become 'sha256:<hex>', never pixels or file names."""
    out = []
    for message in session.turns:
        parts = [{"type": "image", "image": f"sha256:{session.image_sha256}"} if p["type"] == "image" else p
                 for p in normalise_content(message["content"])]
        out.append({"role": message["role"], "content": parts})
    return out


def _score(value: Any, name: str, lang: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(t("bad_rating", lang, detail=f"{name}={value!r}")) from None
    if not 1 <= number <= 5:
        raise InputError(t("bad_rating", lang, detail=f"{name}={value!r} (1-5)"))
    return number


def make_rating(session: ChatSession, answer_number: Any, thumbs: str | None, scores: dict[str, Any], comment: str,
                model: dict[str, str | None], max_comment_chars: int | None = None,
                rating_key: str | None = None) -> Rating:
    """A Rating of answer `answer_number` (1-based, as shown) from the session; InputError if it cannot be one.

    `model` holds model_id, adapter_id and adapter_hash. A comment over `max_comment_chars` is refused,
    not cut: a shortened comment could say something else. `rating_key` (the form's id) makes a
    resubmission update the stored rating; an ill-formed one is refused.
    """
    lang = session.language
    if not session.clinician_id:
        raise InputError(t("need_clinician", lang))
    try:
        index = int(answer_number) - 1
    except (TypeError, ValueError):
        raise InputError(t("no_answer", lang, index=answer_number)) from None
    if not 0 <= index < len(session.answers):
        raise InputError(t("no_answer", lang, index=answer_number))
    if thumbs not in (None, "", "up", "down"):
        raise InputError(t("bad_rating", lang, detail=f"thumbs={thumbs!r}"))
    values = {name: _score(scores.get(name), name, lang) for name in ("accuracy", "completeness", "safety")}
    comment = without_controls(comment).strip()  # as the study's store does: the same text on SQLite and PostgreSQL
    if max_comment_chars is not None and len(comment) > max_comment_chars:
        raise InputError(t("comment_too_long", lang, chars=len(comment), limit=max_comment_chars))
    if not thumbs and all(v is None for v in values.values()) and not comment:
        raise InputError(t("rating_empty", lang))
    answer = session.answers[index]
    return Rating(
        session_id=session.session_id, clinician_id=session.clinician_id, model_id=model["model_id"],
        adapter_id=model.get("adapter_id"), adapter_hash=model.get("adapter_hash"),
        conversation=stored_conversation(session), answer_index=index, thumbs=thumbs or None, comment=comment,
        decoding=answer.decoding, latency_s=answer.latency_s, image_sha256=session.image_sha256,
        image_png=session.image_png, language=lang, rating_key=_rating_key(rating_key, lang), **values,
    )


def _rating_key(value: Any, lang: str) -> str | None:
    """The form's id as sent ('' or None: no id)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not RATING_KEY.fullmatch(value):
        raise InputError(t("bad_rating", lang, detail="rating id"))
    return value
