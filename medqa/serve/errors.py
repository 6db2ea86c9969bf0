"""Generation errors every backend user (evaluation, the demo, the study) understands."""

from __future__ import annotations


class BackendUnavailable(RuntimeError):
    """The model could not be loaded; the message says what is wrong and how to fix it."""


def is_out_of_memory(exc: BaseException) -> bool:
    """torch.OutOfMemoryError, or an older CUDA/MPS RuntimeError saying the same."""
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower()
