"""Records -> model tensors: encoding one conversation, then padded or packed batches.

Samples (one X-ray plus a few short Q&A turns) are a few hundred tokens, far below the paper's
1800-token limit, so padded batches waste most of their compute. Packing concatenates several
samples into one row with no padding; each sample keeps its own positions (Qwen's 3-D rope
plus text positions restarting at 0), which transformers reads as sequence boundaries, so
attention never crosses samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from medqa.core.conversation import ConversationFormat, message_images, open_images, record_messages
from medqa.core.modeling import rope_index_fn  # noqa: F401 - re-exported: training code finds it here
from medqa.train.masking import IGNORE_INDEX, mask_labels


class SampleError(ValueError):
    """A sample that cannot be trained on (unreadable image, over-long); the run skips and counts it."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass
class Encoded:
    """One tokenised conversation with its labels, 3-D rope positions and image tensors."""

    input_ids: torch.Tensor  # (L,)
    labels: torch.Tensor  # (L,)
    mm_token_type_ids: torch.Tensor | None  # (L,)
    position_ids: torch.Tensor | None  # (3, L) rope positions, or None for models without m-rope
    pixel_values: torch.Tensor | None  # (patches, dim)
    image_grid_thw: torch.Tensor | None  # (images, 3)

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])


class SampleEncoder:
    """Turns a dataset record into an `Encoded` sample with assistant-only labels."""

    def __init__(self, processor, fmt: ConversationFormat, image_root: str | Path | None = None,
                 max_length: int = 1800, rope_index: Callable | None = None) -> None:
        self.processor, self.fmt, self.max_length = processor, fmt, max_length
        self.image_root = Path(image_root) if image_root else None
        self.rope_index = rope_index
        tok = processor.tokenizer
        self.start_ids = tok.encode(fmt.assistant_start, add_special_tokens=False)
        self.end_ids = tok.encode(fmt.assistant_end, add_special_tokens=False)

    def __call__(self, record: dict) -> Encoded:
        messages = open_images(self.fmt.to_model_messages(record_messages(record), self.image_root))
        images = message_images(messages)
        text = self.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
        batch = self.processor(text=[text], images=images or None, return_tensors="pt")
        input_ids = batch["input_ids"][0]
        if len(input_ids) > self.max_length:
            raise SampleError("over-long sample", f"{record.get('id')}: {len(input_ids)} > {self.max_length} tokens")
        mm = batch.get("mm_token_type_ids")
        grid = batch.get("image_grid_thw")
        positions = None
        if self.rope_index is not None and grid is not None:
            positions, _ = self.rope_index(batch["input_ids"], mm_token_type_ids=mm, image_grid_thw=grid)
            positions = positions[:, 0]
        return Encoded(input_ids, mask_labels(input_ids, self.start_ids, self.end_ids),
                       mm[0] if mm is not None else None, positions, batch.get("pixel_values"), grid)


def _cat_images(samples: Sequence[Encoded]) -> dict[str, torch.Tensor]:
    with_images = [s for s in samples if s.pixel_values is not None]
    if not with_images:
        return {}
    return {"pixel_values": torch.cat([s.pixel_values for s in with_images]),
            "image_grid_thw": torch.cat([s.image_grid_thw for s in with_images])}


def pad_collate(samples: Sequence[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """A right-padded batch with an attention mask (the plain route; positions are left to the model)."""
    width = max(len(s) for s in samples)
    batch = {
        "input_ids": torch.full((len(samples), width), pad_id, dtype=torch.long),
        "labels": torch.full((len(samples), width), IGNORE_INDEX, dtype=torch.long),
        "attention_mask": torch.zeros((len(samples), width), dtype=torch.long),
    }
    if samples[0].mm_token_type_ids is not None:
        batch["mm_token_type_ids"] = torch.zeros((len(samples), width), dtype=samples[0].mm_token_type_ids.dtype)
    for i, s in enumerate(samples):
        n = len(s)
        batch["input_ids"][i, :n], batch["labels"][i, :n], batch["attention_mask"][i, :n] = s.input_ids, s.labels, 1
        if "mm_token_type_ids" in batch:
            batch["mm_token_type_ids"][i, :n] = s.mm_token_type_ids
    return batch | _cat_images(samples)


def pack_collate(samples: Sequence[Encoded]) -> dict[str, torch.Tensor]:
    """One padding-free row holding every sample, with per-sample positions marking the boundaries.

    position_ids is (4, 1, T): text positions restarting at 0 for each sample (transformers
    builds a block-diagonal causal mask from these), then the three m-rope rows.
    """
    batch = {"input_ids": torch.cat([s.input_ids for s in samples])[None],
             "labels": torch.cat([s.labels for s in samples])[None]}
    if samples[0].mm_token_type_ids is not None:
        batch["mm_token_type_ids"] = torch.cat([s.mm_token_type_ids for s in samples])[None]
    text_pos = torch.cat([torch.arange(len(s)) for s in samples])
    if all(s.position_ids is not None for s in samples):
        rope = torch.cat([s.position_ids for s in samples], dim=1)
        batch["position_ids"] = torch.cat([text_pos[None], rope])[:, None, :]
    else:
        batch["position_ids"] = text_pos[None]
    return batch | _cat_images(samples)


def pack_rows(rows: Sequence[Sequence[Encoded]], pad_id: int) -> dict[str, torch.Tensor]:
    """A batch of packed rows (B, T): each row is `pack_collate` of its samples, padded to the longest row.

    Keeping rows apart (rather than one B*T row) bounds attention to T x T per row when the
    kernel cannot skip masked blocks. Row padding is a sequence of its own (positions restart at 0,
    labels ignored), so no real token attends to it.
    """
    packed = [pack_collate(row) for row in rows]
    width = max(p["input_ids"].shape[1] for p in packed)
    for p in packed:
        extra = width - p["input_ids"].shape[1]
        if extra:
            p["input_ids"] = torch.cat([p["input_ids"], torch.full((1, extra), pad_id)], dim=1)
            p["labels"] = torch.cat([p["labels"], torch.full((1, extra), IGNORE_INDEX)], dim=1)
            pad_pos = torch.arange(extra).expand(p["position_ids"].shape[0], 1, extra)
            p["position_ids"] = torch.cat([p["position_ids"], pad_pos], dim=-1)
            if "mm_token_type_ids" in p:
                zeros = torch.zeros((1, extra), dtype=p["mm_token_type_ids"].dtype)
                p["mm_token_type_ids"] = torch.cat([p["mm_token_type_ids"], zeros], dim=1)
    batch = {key: torch.cat([p[key] for p in packed], dim=0) for key in ("input_ids", "labels")}
    batch["position_ids"] = torch.cat([p["position_ids"] for p in packed], dim=-2)
    if "mm_token_type_ids" in packed[0]:
        batch["mm_token_type_ids"] = torch.cat([p["mm_token_type_ids"] for p in packed], dim=0)
    return batch | _cat_images([s for row in rows for s in row])


def pack_groups(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Group sample indices into rows of at most `max_tokens` tokens (first-fit decreasing).

    Deterministic; a sample longer than `max_tokens` gets a row of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    rows: list[list[int]] = []
    room: list[int] = []
    for i in order:
        for r, free in enumerate(room):
            if lengths[i] <= free:
                rows[r].append(i)
                room[r] -= lengths[i]
                break
        else:
            rows.append([i])
            room.append(max_tokens - lengths[i])
    return [sorted(row) for row in rows]
