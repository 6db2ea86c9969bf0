"""Generation through an OpenAI-compatible `/chat/completions` endpoint (vLLM, SGLang, hosted APIs)."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from medqa.core.conversation import ConversationFormat, open_images
from medqa.serve.decoding import DecodingSettings


class OpenAIBackend:
    """Generation through an OpenAI-compatible `/chat/completions` endpoint (vLLM, SGLang, hosted APIs)."""

    def __init__(self, base_url: str, model: str, fmt: ConversationFormat | None = None,
                 image_root: str | Path | None = None, api_key: str | None = None, timeout_s: float = 120.0,
                 client=None) -> None:
        import httpx

        self.base_url, self.model, self.name = base_url.rstrip("/"), model, model
        self.fmt, self.image_root = fmt or ConversationFormat(), image_root
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.Client(timeout=timeout_s, headers=headers)

    def _payload(self, conversation: list[dict], settings: DecodingSettings, stream: bool) -> dict:
        messages = []
        for message in open_images(self.fmt.to_model_messages(conversation, self.image_root)):
            parts = [{"type": "text", "text": p["text"]} if p["type"] == "text" else
                     {"type": "image_url", "image_url": {"url": _data_url(p["image"])}} for p in message["content"]]
            messages.append({"role": message["role"], "content": parts})
        payload = {"model": self.model, "messages": messages, "max_tokens": settings.max_new_tokens, "stream": stream}
        if settings.strategy == "sample":
            payload |= {"temperature": settings.temperature, "top_p": settings.top_p}
        else:
            payload |= {"temperature": 0.0}
            if settings.strategy == "beam":
                payload |= {"use_beam_search": True, "best_of": settings.num_beams}  # vLLM's extension
        return payload

    def generate(self, conversations: Sequence[list[dict]], settings: DecodingSettings) -> list[str]:
        answers = []
        for conv in conversations:
            response = self.client.post(f"{self.base_url}/chat/completions", json=self._payload(conv, settings, False))
            response.raise_for_status()
            answers.append((response.json()["choices"][0]["message"].get("content") or "").strip())
        return answers

    def stream(self, conversation: list[dict], settings: DecodingSettings,
               stop: threading.Event | None = None) -> Iterator[str]:

        text = ""
        payload = self._payload(conversation, settings, True)
        with self.client.stream("POST", f"{self.base_url}/chat/completions", json=payload) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if stop is not None and stop.is_set():
                    break
                if not line.startswith("data:") or line.strip() == "data: [DONE]":
                    continue
                delta = json.loads(line[5:])["choices"][0].get("delta", {}).get("content")
                if delta:
                    text += delta
                    yield text

def _data_url(image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()

