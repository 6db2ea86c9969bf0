"""Generation with a local transformers model: the backend evaluation and the demo use on a GPU box.

Conversations are medqa messages (see `medqa.core.conversation`); images are paths (resolved against
an image root) or PIL images. `medqa.serve.endpoint.OpenAIBackend` has the same interface
(`generate(conversations, settings)` and `stream(conversation, settings, stop)`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from medqa.core.conversation import ConversationFormat, open_images
from medqa.core.modeling import LoadedModel
from medqa.serve.decoding import DecodingSettings


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
            messages = open_images(self.fmt.to_model_messages(conv, self.image_root))
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
