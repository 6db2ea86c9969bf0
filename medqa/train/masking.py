"""Label masking: train on the assistant's answers only, on every turn.

The Qwen chat templates have no `{% generation %}` markers, so the answers are found in the
token ids themselves: each answer is the tokens after `<|im_start|>assistant\\n` up to and
including the next `<|im_end|>` (trained, so the model learns to stop). Everything else —
system prompt, questions, image tokens, the role header — gets the ignore index.

This is a pure function over token ids; it does no string-length arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

IGNORE_INDEX = -100


def find_subsequence(ids: Sequence[int], pattern: Sequence[int], start: int = 0) -> int:
    """Index of the first occurrence of `pattern` in `ids` at or after `start`, or -1."""
    n, m = len(ids), len(pattern)
    if m == 0:
        raise ValueError("empty pattern")
    first = pattern[0]
    for i in range(start, n - m + 1):
        if ids[i] == first and list(ids[i:i + m]) == list(pattern):
            return i
    return -1


def assistant_spans(ids: Sequence[int], start_ids: Sequence[int], end_ids: Sequence[int]) -> list[tuple[int, int]]:
    """Half-open [begin, end) spans of the answer tokens: after each start marker, through its end marker.

    An answer cut off by truncation (no end marker) runs to the end of the sequence.
    """
    ids = list(ids)
    spans, pos = [], 0
    while True:
        found = find_subsequence(ids, start_ids, pos)
        if found < 0:
            return spans
        begin = found + len(start_ids)
        stop = find_subsequence(ids, end_ids, begin)
        end = len(ids) if stop < 0 else stop + len(end_ids)
        if end > begin:
            spans.append((begin, end))
        pos = end


def labels_from_spans(input_ids: torch.Tensor, spans: Sequence[tuple[int, int]],
                      ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """A copy of `input_ids` (1-D) with every position outside `spans` set to `ignore_index`."""
    labels = torch.full_like(input_ids, ignore_index)
    for begin, end in spans:
        labels[begin:end] = input_ids[begin:end]
    return labels


def mask_labels(input_ids: torch.Tensor, start_ids: Sequence[int], end_ids: Sequence[int],
                ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """Labels for one 1-D sequence: the answer tokens of every assistant turn, the rest ignored."""
    spans = assistant_spans(input_ids.tolist(), start_ids, end_ids)
    return labels_from_spans(input_ids, spans, ignore_index)
