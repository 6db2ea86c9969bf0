"""The one conversation format of medqa.

Every stage speaks it: the data builder writes records in it, the collator and evaluation
turn records into model messages with it, and the demo builds its chat with it. It is saved
beside every checkpoint (`medqa_conversation.json`), so loading a model never guesses the
prompt style from the model's name.

A record keeps its images in an `images` list (paths relative to the dataset's image root) and
marks where each goes with a placeholder part, as TRL's VLM datasets do, so `datasets` and stock
chat templates read the records as they are:

    {"images": ["1_IM-0001-4001.dcm.png"],
     "messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "这张胸片正常吗？"}]},
                  {"role": "assistant", "content": [{"type": "text", "text": "正常。"}]}]}

`fill_images` puts the paths into the placeholders; an image part that already holds an image
(a PIL image in the demo, a path in an older dataset) is used as it is. The system prompt is not
stored in records: the format adds it, so it changes in one place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from medqa.core.imaging import load_image, resolve_image_path

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
    def user_turn(text: str, image: Any = None, placeholder: bool = False) -> dict[str, Any]:
        """A user message; its image (a PIL image or a path, or a placeholder for a record's `images`) goes first."""
        content: list[dict[str, Any]] = [{"type": "image"}] if placeholder else []
        if image is not None:
            content = [{"type": "image", "image": image}]
        content.append({"type": "text", "text": text})
        return {"role": "user", "content": content}

    @staticmethod
    def assistant_turn(text: str) -> dict[str, Any]:
        return {"role": "assistant", "content": [{"type": "text", "text": text}]}

    def conversation(self, pairs: list[tuple[str, str]], with_image: bool = True) -> list[dict[str, Any]]:
        """Record messages for question/answer pairs about one image: its placeholder rides on the first question."""
        messages = []
        for i, (question, answer) in enumerate(pairs):
            messages.append(self.user_turn(question, placeholder=with_image and i == 0))
            messages.append(self.assistant_turn(answer))
        return messages

    # -- turning records into model input ---------------------------------------------------
    def to_model_messages(self, messages: list[dict], image_root: str | Path | None = None) -> list[dict]:
        """Chat-template messages: the system prompt first, image paths resolved against `image_root`.

        `messages` have their images filled in (`fill_images`); image values that are not paths
        (PIL images, arrays) are passed through unchanged.
        """
        out = [{"role": "system", "content": [{"type": "text", "text": self.system_prompt}]}]
        for message in messages:
            content = []
            for part in normalise_content(message["content"]):
                if part["type"] == "image" and isinstance(part.get("image"), (str, Path)):
                    part = {"type": "image", "image": str(resolve_image_path(part["image"], image_root))}
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


def fill_images(messages: list[dict], images: list[Any] | None) -> list[dict]:
    """Copy of `messages` with each image placeholder holding the next of `images`, in order.

    Parts that already hold an image keep it (older datasets stored the path in the part); a
    placeholder left without an image, or an image left without a placeholder, is an error.
    """
    queue = list(images or [])
    out = []
    for message in messages:
        content = []
        for part in normalise_content(message["content"]):
            if part["type"] == "image" and part.get("image") is None:
                if not queue:
                    raise ValueError("a message has an image placeholder but the record has no image left for it")
                part = {"type": "image", "image": queue.pop(0)}
            content.append(part)
        out.append({**message, "content": content})
    if queue:
        raise ValueError(f"{len(queue)} image(s) of the record have no placeholder in its messages")
    return out


def record_messages(record: dict) -> list[dict]:
    """A dataset record's messages with its `images` filled in."""
    return fill_images(record["messages"], record.get("images"))


def record_images(record: dict) -> list[Any]:
    """The images of a record: its `images` list, or the paths stored in its messages (older datasets)."""
    return list(record.get("images") or []) or [i for i in message_images(record["messages"]) if i is not None]


def open_images(messages: list[dict]) -> list[dict]:
    """Copy of model messages with every image path opened as a PIL image (named errors for bad files)."""
    out = []
    for message in messages:
        content = []
        for part in normalise_content(message["content"]):
            if part["type"] == "image" and isinstance(part["image"], (str, Path)):
                part = {"type": "image", "image": load_image(part["image"])}
            content.append(part)
        out.append({"role": message["role"], "content": content})
    return out

