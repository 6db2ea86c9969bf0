"""Readers of medqa's exports (the inverse of medqa.data.export), to prove the round trip in tests."""

from __future__ import annotations

import re

from medqa.core.conversation import ConversationFormat

_QWEN_IMG_RE = re.compile(r"^Picture 1: <img>(.*?)</img>\n", re.DOTALL)


def from_qwen_vl(item: dict, fmt: ConversationFormat | None = None) -> dict:
    """Inverse of `to_qwen_vl`: a record with `id` and `messages`."""
    fmt = fmt or ConversationFormat()
    messages, images = [], []
    for i, turn in enumerate(item["conversations"]):
        text = turn["value"]
        match = _QWEN_IMG_RE.match(text) if i == 0 else None
        if match:
            images.append(match.group(1))
            text = text[match.end():]
        if turn["from"] == "user":
            messages.append(fmt.user_turn(text, placeholder=bool(match)))
        else:
            messages.append(fmt.assistant_turn(text))
    return {"id": item["id"], "images": images, "messages": messages}



def from_sharegpt(item: dict, fmt: ConversationFormat | None = None) -> dict:
    """Inverse of `to_sharegpt`: a record with `id` and `messages`."""
    fmt = fmt or ConversationFormat()
    messages = []
    for turn in item["messages"]:
        text = turn["content"]
        has_image = text.startswith("<image>")
        text = text.removeprefix("<image>")
        messages.append(fmt.user_turn(text, placeholder=has_image) if turn["role"] == "user"
                        else fmt.assistant_turn(text))
    return {"id": item["id"], "images": list(item.get("images", [])), "messages": messages}

