"""The owned decode loop for one chat answer: eager prefill into a static KV cache, then one compiled step per token.

`model.generate()` spends most of each token in Python (logits processors, stopping criteria,
cache bookkeeping, a host sync); a 7B model at batch 1 is bound by reading its weights once per
token, which an H200 can do ~250 times a second. This loop keeps every per-token operation on
the device:

* prefill runs eagerly (any prompt length, images included) into a `StaticCache` whose length
  is one of a few fixed buckets, so the decode step only ever sees one shape per bucket;
* the decode step (embed the last token, the layer stack over the cache, repetition penalty,
  argmax or temperature / top-k / top-p sampling with the request's settings (never the model's
  generation_config: Qwen2.5-VL-Instruct ships top_k=1, which would make sampling greedy), write the
  token, advance the cache position, Qwen's m-rope delta added) is one function of static device buffers, compiled with
  `torch.compile(fullgraph=True)` and captured into one CUDA graph per bucket;
* the host replays the step `chunk` times, then reads the new tokens once: streaming, the end of
  the answer and the stop button are checked per chunk, with no host sync per token.

`warmup()` compiles and captures every bucket at start-up, so no clinician waits for a compile.
Greedy output is token-identical to `generate()` (tests check it on CPU, second turn included).
CUDA graphs are captured with `torch.cuda.graph` rather than `mode="reduce-overhead"`: that
mode keeps its graphs per thread, and the demo streams each answer from a new thread.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from medqa.core.modeling import rope_index_fn
from medqa.serve.decoding import DecodingSettings

log = logging.getLogger("medqa.serve.fast_decode")

# Cache lengths (prompt + answer): a first turn with one 448-px X-ray, and the demo's whole context.
DEFAULT_BUCKETS = (1024, 4096)


@dataclass
class Slot:
    """One cache bucket: its static KV cache and the device buffers the decode step reads and writes."""

    length: int
    cache: Any
    ids: torch.Tensor  # (1, length + 1): the sequence, prompt then answer
    pos: torch.Tensor  # (1,): index in `ids` of the token the next step feeds (= tokens in the cache)
    delta: torch.Tensor  # (1,): Qwen m-rope delta (rope position = cache position + delta)
    seen: torch.Tensor  # (1, vocab) bool: tokens of the sequence so far, for the repetition penalty
    knobs: torch.Tensor  # (5,) float32: repetition penalty, temperature, top-p, sample (1) or greedy (0), top-k
    graph: Any = None  # the captured CUDA graph of one step, once warmed up


def sampling_scores(logits: torch.Tensor, seen: torch.Tensor, knobs: torch.Tensor) -> torch.Tensor:
    """generate()'s processed scores (1, V) for sampling: repetition penalty, temperature, top-k, top-p.

    The same order and rules as transformers' RepetitionPenalty, Temperature, TopK and TopP processors,
    with every setting a device value (knobs: penalty, temperature, top-p, sample, top-k with 0 = none), so
    one compiled graph serves any request. Top-k keeps every token at least as likely as the k-th (ties
    kept), found in the same ascending sort that top-p uses.
    """
    penalty, temperature, top_p, top_k = knobs[0], knobs[1], knobs[2], knobs[4]
    scores = torch.where(seen, torch.where(logits < 0, logits * penalty, logits / penalty), logits)
    warped = scores / temperature
    vocab = warped.shape[-1]
    ordered, order = warped.sort(-1)
    k = torch.where(top_k > 0, top_k.clamp(max=vocab), torch.full_like(top_k, vocab)).long()
    kth = ordered.gather(-1, (vocab - k).view(1, 1).expand(ordered.shape[0], 1))
    ordered = ordered.masked_fill(ordered < kth, -float("inf"))
    drop = ordered.softmax(-1).cumsum(-1) <= 1 - top_p
    drop[..., -1:] = False  # the most likely token always stays
    drop = drop | (ordered == -float("inf"))
    return warped.masked_fill(drop.scatter(-1, order, drop), -float("inf"))


def pick_token(logits: torch.Tensor, seen: torch.Tensor, knobs: torch.Tensor) -> torch.Tensor:
    """The next token from float32 logits (1, V), as generate() picks it with the same settings.

    Argmax after the repetition penalty, or a draw from `sampling_scores`. Both are computed and one is
    selected on the device (knobs[3]), so greedy and sampling share a graph.
    """
    penalty = knobs[0]
    greedy = torch.where(seen, torch.where(logits < 0, logits * penalty, logits / penalty), logits).argmax(-1)
    probs = sampling_scores(logits, seen, knobs).softmax(-1)
    drawn = (probs / torch.empty_like(probs).exponential_(1)).argmax(-1)  # a draw from `probs` (Gumbel-max)
    return torch.where(knobs[3] > 0, drawn, greedy)


def knob_values(settings: DecodingSettings) -> list[float]:
    """The request's settings as the decode step reads them (never the model's generation_config)."""
    sample = settings.strategy == "sample"
    return [settings.repetition_penalty, settings.temperature if sample else 1.0, settings.top_p if sample else 1.0,
            float(sample), float(settings.top_k) if sample else 0.0]


class FastDecoder:
    """Single-stream greedy or sampled decoding with a static cache, a compiled step and CUDA graphs.

    `compile` and `cuda_graphs` default to on for a model on CUDA and off elsewhere (a CPU compile
    takes minutes; eager steps give the same tokens). `backend` goes to torch.compile.
    """

    def __init__(self, model, buckets: tuple[int, ...] = DEFAULT_BUCKETS, compile: bool | None = None,
                 cuda_graphs: bool | None = None, chunk: int = 8, backend: str = "inductor") -> None:
        self.model = model
        self.device = next(model.parameters()).device
        cuda = self.device.type == "cuda"
        self.compiled = cuda if compile is None else compile
        self.cuda_graphs = cuda and (cuda if cuda_graphs is None else cuda_graphs)
        self.buckets, self.chunk = tuple(sorted(buckets)), chunk
        self.vocab = model.config.get_text_config().vocab_size
        inner = model.get_base_model() if hasattr(model, "get_base_model") else model
        # transformers 5.17 names the cache argument `past_key_values`, later 5.x `cache`.
        self._cache_kw = "cache" if "cache" in inspect.signature(inner.forward).parameters else "past_key_values"
        self._rope_holder = getattr(inner, "model", None)
        self._rope_index = rope_index_fn(model)
        self.slots: dict[int, Slot] = {}
        self.lock = threading.Lock()
        # fallback_random: the draw uses eager's RNG kernels, which torch.cuda.graph captures safely.
        options = {"fallback_random": True} if backend == "inductor" else None
        self._step_fn = torch.compile(self._step, fullgraph=True, dynamic=False, backend=backend, options=options) \
            if self.compiled else self._step

    def fits(self, tokens: int) -> bool:
        """Whether a prompt + answer of `tokens` tokens fits the largest bucket."""
        return tokens <= self.buckets[-1]

    def eos_ids(self) -> set[int]:
        """End-of-answer token ids, read from the generation config as generate() reads them."""
        eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        return set(eos if isinstance(eos, (list, tuple)) else [eos]) - {None}

    def slot_for(self, tokens: int) -> Slot:
        """The smallest bucket holding `tokens` (prompt + answer), allocated on first use."""
        length = next((b for b in self.buckets if b >= tokens), None)
        if length is None:
            raise ValueError(f"prompt + answer = {tokens} tokens, more than the largest cache bucket "
                             f"({self.buckets[-1]}): give FastDecoder larger buckets or ask for a shorter answer")
        if length not in self.slots:
            from transformers import StaticCache

            def zeros(*shape, dtype=torch.long):
                return torch.zeros(shape, dtype=dtype, device=self.device)

            slot = Slot(length, StaticCache(config=self.model.config, max_cache_len=length), zeros(1, length + 1),
                        zeros(1), zeros(1), zeros(1, self.vocab, dtype=torch.bool), zeros(5, dtype=torch.float32))
            for t in (slot.ids, slot.pos, slot.delta, slot.seen, slot.knobs):
                torch._dynamo.mark_static_address(t)  # written in place by the step, like the cache itself
            self.slots[length] = slot
        return self.slots[length]

    def _step(self, slot: Slot) -> None:
        """One token, all on the device: feed ids[pos] at rope position pos + delta, write the pick at ids[pos + 1]."""
        token = slot.ids.gather(1, slot.pos.view(1, 1))
        rope = (slot.pos + slot.delta).view(1, 1, 1).expand(3, 1, 1)
        logits = self.model(input_ids=token, position_ids=rope, use_cache=True, **{self._cache_kw: slot.cache}).logits
        nxt = pick_token(logits[:, -1, :].float(), slot.seen, slot.knobs)
        slot.pos.add_(1)
        slot.ids.index_copy_(1, slot.pos, nxt.view(1, 1))
        slot.seen.index_fill_(1, nxt, True)

    @torch.inference_mode()
    def prefill(self, inputs: dict, settings: DecodingSettings) -> Slot:
        """Fill a bucket's cache with the prompt (eagerly, images included) and pick the first answer token."""
        ids = inputs["input_ids"]
        if ids.shape[0] != 1 or ("attention_mask" in inputs and not bool(inputs["attention_mask"].all())):
            raise ValueError("FastDecoder decodes one unpadded conversation at a time")
        n = ids.shape[1]
        slot = self.slot_for(n + settings.max_new_tokens)
        slot.cache.reset()
        if getattr(self._rope_holder, "rope_deltas", None) is not None:
            self._rope_holder.rope_deltas = None  # generate()'s own memo; the compiled step is guarded on None
        if self._rope_index is not None and inputs.get("image_grid_thw") is not None:
            positions, delta = self._rope_index(ids, mm_token_type_ids=inputs.get("mm_token_type_ids"),
                                                image_grid_thw=inputs["image_grid_thw"])
            slot.delta.copy_(delta.view(1))
        else:  # text only: the rope positions are the cache positions on all three axes
            positions = torch.arange(n, device=ids.device).view(1, 1, n).expand(3, 1, n)
            slot.delta.zero_()
        extra = {k: v for k, v in inputs.items() if k not in ("input_ids", "attention_mask")}
        logits = self.model(input_ids=ids, position_ids=positions, use_cache=True, logits_to_keep=1,
                            **{self._cache_kw: slot.cache}, **extra).logits
        slot.knobs.copy_(torch.tensor(knob_values(settings)))
        slot.seen.zero_()
        slot.seen[0, ids[0]] = True
        slot.ids[0, :n] = ids[0]
        nxt = pick_token(logits[:, -1, :].float(), slot.seen, slot.knobs)
        slot.ids[0, n] = nxt[0]
        slot.seen[0, nxt] = True
        slot.pos.fill_(n)
        return slot

    def decode(self, inputs: dict, settings: DecodingSettings, on_tokens: Callable[[list[int]], None] | None = None,
               stop: threading.Event | None = None, eos_ids: set[int] | None = None) -> list[int]:
        """The answer's token ids (its end token included); `on_tokens` receives each new piece as it comes.

        `eos_ids` replaces the model's end tokens (an empty set decodes exactly max_new_tokens, for benchmarks).
        """
        if settings.strategy not in ("greedy", "sample"):
            raise ValueError(f"FastDecoder does greedy and sample decoding, not {settings.strategy!r}")
        limit, n = settings.max_new_tokens, inputs["input_ids"].shape[1]
        eos = self.eos_ids() if eos_ids is None else eos_ids
        with self.lock:
            slot = self.prefill(inputs, settings)
            answer: list[int] = []
            new = [int(slot.ids[0, n])]  # the one host sync the first token waits for
            while True:
                for k, token in enumerate(new):
                    answer.append(token)
                    if token in eos or len(answer) >= limit:
                        new = new[:k + 1]
                        break
                if on_tokens is not None and new:
                    on_tokens(new)
                if answer[-1] in eos or len(answer) >= limit or (stop is not None and stop.is_set()):
                    return answer
                todo = min(self.chunk, limit - len(answer))
                with torch.inference_mode():
                    for _ in range(todo):
                        if slot.graph is not None:
                            slot.graph.replay()
                        else:
                            self._step_fn(slot)
                new = slot.ids[0, n + len(answer): n + len(answer) + todo].tolist()

    @torch.inference_mode()
    def warmup(self, buckets: tuple[int, ...] | None = None, steps: int = 3) -> dict[int, float]:
        """Compile the step for every bucket (and capture its CUDA graph) now; returns seconds per bucket.

        A failure (a model torch.compile cannot trace whole, e.g. 4-bit layers) is logged and the
        decoder goes on with eager steps: slower, never wrong.
        """
        timings: dict[int, float] = {}
        with self.lock:
            for length in buckets or self.buckets:
                start = time.perf_counter()
                settings = DecodingSettings(max_new_tokens=length - 8, repetition_penalty=1.0)
                slot = self.prefill({"input_ids": torch.ones((1, 8), dtype=torch.long, device=self.device)}, settings)
                try:
                    for _ in range(steps):  # the first call compiles
                        self._step_fn(slot)
                    if self.cuda_graphs and slot.graph is None:
                        slot.graph = self._capture(slot)
                except Exception as exc:  # noqa: BLE001 - any compile/capture failure: fall back, say so
                    log.warning("fast decoding falls back to eager steps (%s: %s)", type(exc).__name__, exc)
                    self._step_fn, self.compiled, self.cuda_graphs = self._step, False, False
                    slot.graph = None
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                timings[length] = time.perf_counter() - start
        return timings

    def _capture(self, slot: Slot):
        """One step on this slot's static buffers as a CUDA graph (after warm-up calls on a side stream)."""
        stream = torch.cuda.Stream(self.device)
        stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(stream):
            for _ in range(2):
                self._step_fn(slot)
        torch.cuda.current_stream(self.device).wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self._step_fn(slot)
        return graph
