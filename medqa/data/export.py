"""Exports of medqa records to the formats other fine-tuning tools read, and imports back.

* Qwen-VL v1 (the original Qwen-VL finetune.py): `conversations` with from/value, the image
  inlined as `Picture 1: <img>path</img>` in the first user turn;
* LLaMA-Factory sharegpt: `messages` with role/content, `<image>` placeholders, `images`.
"""

from __future__ import annotations

import json
from pathlib import Path

from medqa.core.conversation import ConversationFormat, message_images, message_text, record_messages
from medqa.core.files import write_atomic

_ROLE_TO_FROM = {"user": "user", "assistant": "assistant"}


def to_qwen_vl(record: dict) -> dict:
    """One record in the Qwen-VL v1 finetuning format."""
    messages = record_messages(record)
    images = message_images(messages)
    conversations = []
    for i, message in enumerate(messages):
        value = message_text(message)
        if i == 0 and images:
            value = f"Picture 1: <img>{images[0]}</img>\n{value}"
        conversations.append({"from": _ROLE_TO_FROM[message["role"]], "value": value})
    return {"id": record["id"], "conversations": conversations}



def to_sharegpt(record: dict, fmt: ConversationFormat | None = None) -> dict:
    """One record in LLaMA-Factory's sharegpt format (role/content tags, `<image>` placeholder)."""
    fmt = fmt or ConversationFormat()
    messages, filled = [], record_messages(record)
    for message in filled:
        n_images = len(message_images([message]))
        messages.append({"role": message["role"], "content": "<image>" * n_images + message_text(message)})
    return {"id": record["id"], "system": fmt.system_prompt, "messages": messages, "images": message_images(filled)}



def write_exports(folds: dict[int, list[dict]], out_dir: Path, fmt: ConversationFormat) -> list[Path]:
    """Write `exports/qwen_vl/fold_K.json` and `exports/sharegpt/fold_K.json` + LLaMA-Factory's dataset_info."""
    written = []
    qwen_dir, share_dir = out_dir / "exports" / "qwen_vl", out_dir / "exports" / "sharegpt"
    qwen_dir.mkdir(parents=True, exist_ok=True)
    share_dir.mkdir(parents=True, exist_ok=True)
    info = {}
    for k, records in sorted(folds.items()):
        written.append(_write_json(qwen_dir / f"fold_{k}.json", [to_qwen_vl(r) for r in records]))
        written.append(_write_json(share_dir / f"fold_{k}.json", [to_sharegpt(r, fmt) for r in records]))
        info[f"medqa_fold_{k}"] = {
            "file_name": f"fold_{k}.json",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images", "system": "system"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                     "assistant_tag": "assistant"},
        }
    written.append(_write_json(share_dir / "dataset_info.json", info))
    return written


def _write_json(path: Path, data) -> Path:
    return write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
