"""A tiny checkpoint with Qwen2.5-VL-7B-Instruct's generation_config.json (top_k=1: sampling would be greedy)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

# Qwen2.5-VL-7B-Instruct's generation_config.json: top_k=1 turns any sampling into greedy decoding.
INSTRUCT_GENERATION = {"do_sample": True, "temperature": 0.1, "top_p": 0.001, "top_k": 1, "repetition_penalty": 1.05}


def instruct_like_copy(tiny_model: Path, folder: Path) -> Path:
    """A copy of `tiny_model` in `folder` whose generation config is the Instruct model's."""
    shutil.copytree(tiny_model, folder)
    path = folder / "generation_config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | INSTRUCT_GENERATION))
    return folder
