"""The one generation module: evaluation and the demo both answer through `Backend.generate`/`stream`.

Conversations are medqa messages (see `medqa.conversation`); images are paths (resolved against
an image root) or PIL images. Two backends share one interface:

* `LocalBackend`: a transformers model from `load_model` (batched, left-padded, streamed);
* `OpenAIBackend`: any OpenAI-compatible chat endpoint, e.g. vLLM serving a merged model.

`score_answers` judges a model by the log-probability of candidate answers instead of text.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from medqa.collate import SampleEncoder, pad_collate, rope_index_fn
from medqa.conversation import ConversationFormat, normalise_content
from medqa.imaging import load_image
from medqa.modeling import LoadedModel


@dataclass(frozen=True)
class DecodingSettings:
    """How to decode: greedy (default, as in evaluation), beam search or sampling."""

    strategy: str = "greedy"  # greedy | beam | sample
    max_new_tokens: int = 256
    num_beams: int = 4
    temperature: float = 0.7
    top_p: float = 0.9
    repetition_penalty: float = 1.05

    def __post_init__(self) -> None:
        if self.strategy not in ("greedy", "beam", "sample"):
            raise ValueError(f"decoding strategy must be greedy, beam or sample, got {self.strategy!r}")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")

    def hf_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `model.generate`."""
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "repetition_penalty": self.repetition_penalty}
        if self.strategy == "greedy":
            return kwargs | {"do_sample": False, "num_beams": 1}
        if self.strategy == "beam":
            return kwargs | {"do_sample": False, "num_beams": self.num_beams}
        return kwargs | {"do_sample": True, "temperature": self.temperature, "top_p": self.top_p, "num_beams": 1}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_images(messages: list[dict], image_root: str | Path | None) -> list[dict]:
    """Copy of `messages` with every image path opened as a PIL image (named errors for bad files)."""
    out = []
    for message in messages:
        content = []
        for part in normalise_content(message["content"]):
            if part["type"] == "image" and isinstance(part["image"], (str, Path)):
                path = Path(image_root) / part["image"] if image_root else Path(part["image"])
                part = {"type": "image", "image": load_image(path)}
            content.append(part)
        out.append({"role": message["role"], "content": content})
    return out


class LocalBackend:
    """Generation with a local transformers model; one lock so a shared GPU model serves threads safely."""

    def __init__(self, loaded: LoadedModel, image_root: str | Path | None = None) -> None:
        self.loaded, self.image_root = loaded, image_root
        self.name = loaded.adapter or loaded.model_id
        self.lock = threading.Lock()

    @property
    def fmt(self) -> ConversationFormat:
        return self.loaded.fmt

    def _inputs(self, conversations: Sequence[list[dict]]) -> dict[str, torch.Tensor]:
        processor = self.loaded.processor
        texts, images = [], []
        for conv in conversations:
            messages = resolve_images(self.fmt.to_model_messages(conv), self.image_root)
            texts.append(processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
            images += [p["image"] for m in messages for p in m["content"] if p["type"] == "image"]
        inputs = processor(text=texts, images=images or None, return_tensors="pt", padding=True,
                           padding_side="left")
        device = next(self.loaded.model.parameters()).device
        return {k: v.to(device) if hasattr(v, "to") else v for k, v in inputs.items()}

    @torch.no_grad()
    def generate(self, conversations: Sequence[list[dict]], settings: DecodingSettings) -> list[str]:
        """One answer per conversation (each ends with a user turn), decoded in one batch."""
        inputs = self._inputs(conversations)
        with self.lock:
            out = self.loaded.model.generate(**inputs, **settings.hf_kwargs(), **self._special_ids())
        new = out[:, inputs["input_ids"].shape[1]:]
        # Keep special tokens: Qwen2-VL writes boxes as <|box_start|>..<|box_end|>; drop only the chat ones.
        return [self._clean(t) for t in self.loaded.tokenizer.batch_decode(new, skip_special_tokens=False)]

    def stream(self, conversation: list[dict], settings: DecodingSettings,
               stop: threading.Event | None = None) -> Iterator[str]:
        """Yield the answer's text as it grows; setting `stop` ends generation early."""
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return bool(stop is not None and stop.is_set())

        inputs = self._inputs([conversation])
        streamer = TextIteratorStreamer(self.loaded.tokenizer, skip_prompt=True, skip_special_tokens=False)
        kwargs = {**inputs, **settings.hf_kwargs(), **self._special_ids(), "streamer": streamer,
                  "stopping_criteria": StoppingCriteriaList([_Stop()])}
        if settings.strategy == "beam":
            kwargs["num_beams"] = 1  # transformers streams only single-beam decoding
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with self.lock, torch.no_grad():
                    self.loaded.model.generate(**kwargs)
            except BaseException as exc:  # surfaced to the caller below, never lost in the thread
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        text = ""
        for piece in streamer:
            text += piece
            yield self._clean(text)
        thread.join()
        if errors:
            raise errors[0]

    def _clean(self, text: str) -> str:
        """The answer without chat-control tokens (end of turn, padding), grounding tokens kept."""
        tok = self.loaded.tokenizer
        for token in {"<|im_end|>", "<|im_start|>", "<|endoftext|>", tok.pad_token, tok.eos_token} - {None}:
            text = text.replace(token, "")
        return text.strip()

    def _special_ids(self) -> dict[str, Any]:
        tok = self.loaded.tokenizer
        return {"pad_token_id": tok.pad_token_id}


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
        for message in resolve_images(self.fmt.to_model_messages(conversation), self.image_root):
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
        import json

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


@torch.no_grad()
def score_answers(loaded: LoadedModel, messages: list[dict], candidates: Sequence[str],
                  image_root: str | Path | None = None) -> list[float]:
    """Total log-probability the model gives each candidate as the next assistant answer (incl. its end marker).

    `messages` is a conversation ending with a user turn. Comparing these scores judges a model
    without sampling text, which is what a barely trained model needs.
    """
    fmt = loaded.fmt
    encoder = SampleEncoder(loaded.processor, fmt, image_root, max_length=10**9,
                            rope_index=rope_index_fn(loaded.model))
    samples = [encoder({"messages": [*messages, fmt.assistant_turn(c)]}) for c in candidates]
    batch = pad_collate(samples, loaded.tokenizer.pad_token_id)
    labels = batch.pop("labels")
    model = loaded.model
    device = next(model.parameters()).device
    logits = model(**{k: v.to(device) for k, v in batch.items()}, use_cache=False).logits.float()
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
    targets = labels[:, 1:].to(device)
    mask = targets != -100
    picked = logprobs.gather(-1, targets.clamp(min=0)[..., None])[..., 0]
    return (picked * mask).sum(-1).tolist()
