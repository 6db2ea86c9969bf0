"""Shared test fixtures: tiny offline Qwen VL checkpoints built once per test session."""

import os

# Tests never reach the Hub: every model they load is built locally by medqa.tiny.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> Callable[[str], Path]:
    """Return ``get(arch) -> Path``: a tiny checkpoint for ``arch``, built once per session (seed 0)."""
    from medqa.tiny import build_tiny_model

    cache: dict[str, Path] = {}

    def get(arch: str = "qwen2_5_vl") -> Path:
        if arch not in cache:
            cache[arch] = build_tiny_model(tmp_path_factory.mktemp(f"tiny_{arch}"), arch, seed=0)
        return cache[arch]

    return get


@pytest.fixture(scope="session")
def tiny_model(tiny_models) -> Path:
    """The default tiny checkpoint folder (qwen2_5_vl)."""
    return tiny_models("qwen2_5_vl")
