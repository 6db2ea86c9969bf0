"""Generation through an OpenAI-compatible `/chat/completions` endpoint (vLLM, SGLang, hosted APIs).

The official `openai` client sends the requests (its retries with backoff, its streaming, its
errors). What medqa adds is what such a server needs to decode as the user chose:

* greedy: `temperature=0`;
* sample: `temperature`, `top_p` and, through `extra_body`, vLLM's `top_k` (-1 = all tokens).
  Sent every time, because a server otherwise falls back on the model's `generation_config.json`,
  and Qwen2.5-VL-Instruct's sets `top_k=1`: sampling would silently be greedy;
* beam: vLLM's `use_beam_search` with the beam width in `n` (vLLM reads the width from `n`, not
  `best_of`); the server returns `n` beams, best first, and the answer is the first;
* `repetition_penalty` in `extra_body` for all three (vLLM's extension; OpenAI itself ignores it).

Images are shrunk to the model's pixel budget before they are encoded: the server would shrink
them anyway, so a full-resolution film (megabytes of base64) only costs bandwidth.
"""

from __future__ import annotations

import base64
import io
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from medqa.core.conversation import ConversationFormat, open_images
from medqa.core.modeling import ImageBudget
from medqa.serve.decoding import DecodingSettings
from medqa.serve.grounding import model_input_size


class OpenAIBackend:
    """Generation through an OpenAI-compatible `/chat/completions` endpoint, on the official `openai` client."""

    def __init__(self, base_url: str, model: str, fmt: ConversationFormat | None = None,
                 image_root: str | Path | None = None, api_key: str | None = None, timeout_s: float = 120.0,
                 max_retries: int = 2, budget: ImageBudget | None = None, client=None) -> None:
        from openai import OpenAI

        self.model, self.name = model, model
        self.fmt, self.image_root = fmt or ConversationFormat(), image_root
        self.budget = budget or ImageBudget()
        # vLLM accepts any key unless started with --api-key; the client insists on one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        self.client = client or OpenAI(base_url=base_url, api_key=key, timeout=timeout_s, max_retries=max_retries)

    def request(self, conversation: list[dict], settings: DecodingSettings, stream: bool = False) -> dict[str, Any]:
        """The keyword arguments of `client.chat.completions.create` for one conversation."""
        messages = [{"role": m["role"], "content": [self._part(p) for p in m["content"]]}
                    for m in open_images(self.fmt.to_model_messages(conversation, self.image_root))]
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": settings.max_new_tokens,
                                  "stream": stream}
        extra: dict[str, Any] = {"repetition_penalty": settings.repetition_penalty}
        if settings.strategy == "greedy":
            kwargs |= {"temperature": 0.0, "n": 1}
        elif settings.strategy == "sample":
            kwargs |= {"temperature": settings.temperature, "top_p": settings.top_p, "n": 1}
            extra["top_k"] = settings.top_k if settings.top_k > 0 else -1
        else:
            kwargs |= {"temperature": 0.0, "n": settings.num_beams}
            extra["use_beam_search"] = True
        return kwargs | {"extra_body": extra}

    def _part(self, part: dict) -> dict:
        if part["type"] == "text":
            return {"type": "text", "text": part["text"]}
        return {"type": "image_url", "image_url": {"url": data_url(fit_budget(part["image"], self.budget))}}

    def generate(self, conversations: Sequence[list[dict]], settings: DecodingSettings) -> list[str]:
        """One answer per conversation; beam search returns the best beam."""
        answers = []
        for conv in conversations:
            completion = self.client.chat.completions.create(**self.request(conv, settings))
            answers.append((completion.choices[0].message.content or "").strip())
        return answers

    def stream(self, conversation: list[dict], settings: DecodingSettings,
               stop: threading.Event | None = None) -> Iterator[str]:
        """Yield the answer as it grows; setting `stop` closes the connection (the server then stops decoding)."""
        if settings.strategy == "beam":
            # vLLM finishes all beams before it knows the best: one answer, then done.
            yield from self.generate([conversation], settings)
            return
        text = ""
        with self.client.chat.completions.create(**self.request(conversation, settings, stream=True)) as chunks:
            for chunk in chunks:
                if stop is not None and stop.is_set():
                    break
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    text += delta
                    yield text


def fit_budget(image: Image.Image, budget: ImageBudget) -> Image.Image:
    """The image resized as the Qwen VL processor would (sides multiples of 28, pixels within the budget).

    The server's processor then has nothing left to resize, so the model sees the same pixels.
    """
    size = model_input_size(image.size, budget.min_pixels, budget.max_pixels)
    return image if size == image.size else image.resize(size, Image.Resampling.BICUBIC)


def data_url(image: Image.Image) -> str:
    """A lossless PNG data URL."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
