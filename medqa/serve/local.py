"""Generation with a local transformers model: the backend evaluation and the demo use on a GPU box.

Conversations are medqa messages (see `medqa.core.conversation`); images are paths (resolved against
an image root) or PIL images. `medqa.serve.endpoint.OpenAIBackend` has the same interface
(`generate(conversations, settings)` and `stream(conversation, settings, stop)`). On CUDA, greedy and
sampled answers are decoded by `medqa.serve.fast_decode.FastDecoder`.
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
from medqa.serve.fast_decode import FastDecoder


class LocalBackend:
    """Generation with a local transformers model; one lock so a shared GPU model serves threads safely.

    Greedy and sampled answers go through `FastDecoder` (static cache, compiled step, CUDA graphs)
    when `fast` is on, by default for a model on CUDA; beam search, and a conversation longer than
    the decoder's largest cache bucket, go through `model.generate()`.
    """

    def __init__(self, loaded: LoadedModel, image_root: str | Path | None = None, fast: bool | None = None,
                 decoder: FastDecoder | None = None) -> None:
        self.loaded, self.image_root = loaded, image_root
        self.name = loaded.adapter or loaded.model_id
        self.lock = threading.Lock()
        if decoder is None and (fast if fast is not None else self.device.type == "cuda"):
            decoder = FastDecoder(loaded.model)
        self.decoder = decoder

    @property
    def fmt(self) -> ConversationFormat:
        return self.loaded.fmt

    @property
    def device(self) -> torch.device:
        return next(self.loaded.model.parameters()).device

    def encode(self, conversations: Sequence[list[dict]]) -> dict[str, torch.Tensor]:
        """Model inputs for conversations that end with a user turn: images opened, templated, left-padded."""
        processor = self.loaded.processor
        texts, images = [], []
        for conv in conversations:
            messages = open_images(self.fmt.to_model_messages(conv, self.image_root))
            texts.append(processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
            images += [p["image"] for m in messages for p in m["content"] if p["type"] == "image"]
        inputs = processor(text=texts, images=images or None, return_tensors="pt", padding=True,
                           padding_side="left")
        return {k: v.to(self.device) if hasattr(v, "to") else v for k, v in inputs.items()}

    def warmup(self) -> dict[int, float]:
        """Compile the fast decoder for every cache bucket now (seconds per bucket; {} without one)."""
        return self.decoder.warmup() if self.decoder is not None else {}

    def _fast(self, inputs: dict, settings: DecodingSettings) -> bool:
        """Whether this request goes through the fast decoder."""
        return (self.decoder is not None and settings.strategy != "beam"
                and self.decoder.fits(inputs["input_ids"].shape[1] + settings.max_new_tokens))

    @torch.no_grad()
    def generate(self, conversations: Sequence[list[dict]], settings: DecodingSettings) -> list[str]:
        """One answer per conversation (each ends with a user turn); in one batch unless decoded fast."""
        if self.decoder is not None and settings.strategy != "beam":
            singles = [self.encode([conv]) for conv in conversations]
            if all(self._fast(inputs, settings) for inputs in singles):
                with self.lock:
                    answers = [self.decoder.decode(inputs, settings) for inputs in singles]
                return [self._clean(self.loaded.tokenizer.decode(a, skip_special_tokens=False)) for a in answers]
        inputs = self.encode(conversations)
        with self.lock:
            out = self.loaded.model.generate(**inputs, **settings.hf_kwargs(), **self._special_ids())
        new = out[:, inputs["input_ids"].shape[1]:]
        # Keep special tokens: Qwen2-VL writes boxes as <|box_start|>..<|box_end|>; drop only the chat ones.
        return [self._clean(t) for t in self.loaded.tokenizer.batch_decode(new, skip_special_tokens=False)]

    def stream(self, conversation: list[dict], settings: DecodingSettings,
               stop: threading.Event | None = None) -> Iterator[str]:
        """Yield the answer's text as it grows; setting `stop` ends generation early."""
        from transformers import TextIteratorStreamer

        inputs = self.encode([conversation])
        streamer = TextIteratorStreamer(self.loaded.tokenizer, skip_prompt=True, skip_special_tokens=False)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with self.lock, torch.no_grad():
                    self._stream_into(streamer, inputs, settings, stop)
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

    def _stream_into(self, streamer, inputs: dict, settings: DecodingSettings, stop: threading.Event | None) -> None:
        """Decode one answer into `streamer` (fast decoder, or generate() with a stop criterion)."""
        from transformers import StoppingCriteria, StoppingCriteriaList

        if self._fast(inputs, settings):
            streamer.put(inputs["input_ids"][0].cpu())  # the prompt, which the streamer skips
            self.decoder.decode(inputs, settings, on_tokens=lambda ids: streamer.put(torch.tensor(ids)), stop=stop)
            streamer.end()
            return

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return bool(stop is not None and stop.is_set())

        kwargs = {**inputs, **settings.hf_kwargs(), **self._special_ids(), "streamer": streamer,
                  "stopping_criteria": StoppingCriteriaList([_Stop()])}
        if settings.strategy == "beam":
            kwargs["num_beams"] = 1  # transformers streams only single-beam decoding
        self.loaded.model.generate(**kwargs)

    def _clean(self, text: str) -> str:
        """The answer without chat-control tokens (end of turn, padding), grounding tokens kept."""
        tok = self.loaded.tokenizer
        for token in {"<|im_end|>", "<|im_start|>", "<|endoftext|>", tok.pad_token, tok.eos_token} - {None}:
            text = text.replace(token, "")
        return text.strip()

    def _special_ids(self) -> dict[str, Any]:
        tok = self.loaded.tokenizer
        return {"pad_token_id": tok.pad_token_id}
