"""The one conversation format of medqa.

Every stage speaks it: the data builder writes records in it, the collator and evaluation
turn records into model messages with it, and the demo builds its chat with it. It is saved
beside every checkpoint (`medqa_conversation.json`), so loading a model never guesses the
prompt style from the model's name.

A record's `messages` are role/content dicts in the Hugging Face chat-template form, with
the image referenced by a path relative to an image root:

    {"role": "user", "content": [{"type": "image", "image": "1_IM-0001-4001.dcm.png"},
                                 {"type": "text", "text": "这张胸片正常吗？"}]}
    {"role": "assistant", "content": [{"type": "text", "text": "正常。"}]}

The system prompt is not stored in records: the format adds it, so it changes in one place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

FORMAT_FILE = "medqa_conversation.json"
DEFAULT_SYSTEM_PROMPT = (
    "你是一名经验丰富的放射科医生助手。请根据胸部X光片，用简洁、准确的中文回答临床医生的问题。"
    "不确定时请如实说明，不要编造影像中没有的发现。"
)


@dataclass(frozen=True)
class ConversationFormat:
    """How conversations become model input, and how answers are found again in token ids.

    `assistant_start` / `assistant_end` are the exact texts the chat template puts around an
    answer; label masking trains the tokens after the start up to and including the end.
    """

    name: str = "chatml-zh-cxr-v1"
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    assistant_start: str = "<|im_start|>assistant\n"
    assistant_end: str = "<|im_end|>"

    # -- building records ------------------------------------------------------------------
    @staticmethod
    def user_turn(text: str, image: str | None = None) -> dict[str, Any]:
        """A user message; the image (a path relative to the image root) goes before the text."""
        content: list[dict[str, Any]] = [{"type": "image", "image": image}] if image else []
        content.append({"type": "text", "text": text})
        return {"role": "user", "content": content}

    @staticmethod
    def assistant_turn(text: str) -> dict[str, Any]:
        return {"role": "assistant", "content": [{"type": "text", "text": text}]}

    def conversation(self, pairs: list[tuple[str, str]], image: str | None) -> list[dict[str, Any]]:
        """Messages for question/answer pairs about one image (the image rides on the first question)."""
        messages = []
        for i, (question, answer) in enumerate(pairs):
            messages.append(self.user_turn(question, image if i == 0 else None))
            messages.append(self.assistant_turn(answer))
        return messages

    # -- turning records into model input ---------------------------------------------------
    def to_model_messages(self, messages: list[dict], image_root: str | Path | None = None) -> list[dict]:
        """Chat-template messages: the system prompt first, image paths resolved against `image_root`.

        Image values that are not strings (PIL images, arrays) are passed through unchanged.
        """
        out = [{"role": "system", "content": [{"type": "text", "text": self.system_prompt}]}]
        for message in messages:
            content = []
            for part in normalise_content(message["content"]):
                if part["type"] == "image" and isinstance(part.get("image"), str) and image_root:
                    part = {"type": "image", "image": str(Path(image_root) / part["image"])}
                content.append(part)
            out.append({"role": message["role"], "content": content})
        return out

    # -- persistence -------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the format beside a checkpoint or dataset."""
        path = Path(directory) / FORMAT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: str | Path) -> ConversationFormat:
        """Read the format saved in `directory`; a missing file is an error, not a guess."""
        path = Path(directory) / FORMAT_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: this checkpoint was not saved by medqa, so its conversation "
                f"format is unknown. Save one with ConversationFormat().save({str(directory)!r})."
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load_or_default(cls, directory: str | Path | None) -> ConversationFormat:
        """The saved format of a medqa checkpoint, or the default for a base model (a hub id)."""
        if directory and (Path(directory) / FORMAT_FILE).is_file():
            return cls.load(directory)
        return cls()


def normalise_content(content: Any) -> list[dict[str, Any]]:
    """Content parts as a list of typed dicts, dropping the null keys `datasets` adds to structs."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    parts = []
    for part in content:
        kind = part.get("type")
        if kind not in ("image", "text"):
            raise ValueError(f"unknown content part type {kind!r} (expected 'image' or 'text')")
        parts.append({"type": kind, kind: part.get(kind)})
    return parts


def message_text(message: dict) -> str:
    """The text of a message, without its image parts."""
    return "".join(p["text"] for p in normalise_content(message["content"]) if p["type"] == "text")


def message_images(messages: list[dict]) -> list[Any]:
    """Every image referenced in `messages`, in order."""
    return [p["image"] for m in messages for p in normalise_content(m["content"]) if p["type"] == "image"]
