"""Shared test fixtures: tiny offline Qwen VL checkpoints built once per session, the blob task and its LoRA
run (trained once, read by the training and image-ablation tests), and the real Open-i data."""

import os

# Tests never reach the Hub: every model they load is built locally by medqa.tiny.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The training prescan's cache goes to a folder of this test session, never the user's ~/.cache.
os.environ.setdefault("MEDQA_CACHE", __import__("tempfile").mkdtemp(prefix="medqa-test-cache-"))

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.helpers.paths import OPENI, XML_FIXTURES  # noqa: E402
from tests.helpers.postgres import postgres_server  # noqa: E402


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


@pytest.fixture(scope="session")
def blob_data(tmp_path_factory) -> Path:
    """The blob task (tests.helpers.synthetic): 3 folds of 64 films, fold 0 held out."""
    from tests.helpers.blob_training import BLOB_FOLDS, BLOB_PER_FOLD, BLOB_SEED
    from tests.helpers.synthetic import write_blob_dataset

    return write_blob_dataset(tmp_path_factory.mktemp("blobs"), n_per_fold=BLOB_PER_FOLD, folds=BLOB_FOLDS,
                              seed=BLOB_SEED)


@pytest.fixture(scope="session")
def blob_lora(tiny_models, blob_data, tmp_path_factory) -> Callable[[str], tuple[Path, dict]]:
    """Return ``get(arch) -> (adapter folder, train.main summary)``: the blob task's LoRA run, once per session."""
    cache: dict[str, tuple[Path, dict]] = {}

    def get(arch: str = "qwen2_5_vl") -> tuple[Path, dict]:
        if arch not in cache:
            import train
            from tests.helpers.blob_training import LORA_LR, LORA_STEPS, train_args

            out = tmp_path_factory.mktemp(f"blob_lora_{arch}") / "lora"
            cache[arch] = (out, train.main(train_args(tiny_models(arch), blob_data, out, "lora", LORA_STEPS,
                                                      LORA_LR)))
        return cache[arch]

    return get


@pytest.fixture(scope="session")
def openi_dir() -> Path:
    """The real Open-i files beside the checkout; missing data is a failure, never a quiet skip."""
    if not (OPENI / "indiana_reports.csv").is_file():
        pytest.fail(f"real Open-i data not found at {OPENI}: the tests read ../shared/data/openi beside the repo")
    return OPENI


@pytest.fixture(scope="session")
def xml_dir() -> Path:
    """Hand-written NLM XML reports (synthetic, in the repo)."""
    return XML_FIXTURES


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server started once per test session (about 2 s) and always stopped."""
    with postgres_server() as url:
        yield url
