"""Judging a tiny model by the log-probability it gives candidate answers (test-only: no text sampling)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from medqa.core.modeling import LoadedModel
from medqa.train.collate import SampleEncoder, pad_collate, rope_index_fn


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
