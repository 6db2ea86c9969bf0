"""The demo's model side: choosing and loading a backend, the load-error stand-in, warm-up, ZeroGPU.

The backends themselves are `medqa.serve.local`'s (the same generation function as evaluation);
this module only decides which one to build from `AppSettings`, and what the demo does when
none can be built: it still starts, with `UnavailableBackend` saying what is wrong and how to
fix it in every answer.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from medqa.app.settings import AppSettings, adapter_hash
from medqa.core.conversation import ConversationFormat
from medqa.core.modeling import DEFAULT_MODEL, ImageBudget, ModelLoadError
from medqa.serve import grounding
from medqa.serve.decoding import DecodingSettings
from medqa.serve.endpoint import OpenAIBackend
from medqa.serve.errors import is_out_of_memory
from medqa.serve.local import LocalBackend
from medqa.serve.unavailable import UnavailableBackend

log = logging.getLogger("medqa.app")

WARMUP_QUESTION = "这张胸片正常吗？"




def tiny_model_dir() -> Path:
    """Where `--model tiny` builds its checkpoint once: $MEDQA_CACHE or ~/.cache/medqa."""
    root = os.environ.get("MEDQA_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medqa"
    return Path(root) / "tiny-qwen2_5_vl"


def resolve_model(model: str) -> str:
    """The model path to load: `tiny` builds (once) and returns the offline tiny checkpoint."""
    if model != "tiny":
        return model
    out = tiny_model_dir()
    if not (out / "config.json").is_file():
        from medqa.tiny import build_tiny_model

        build_tiny_model(out, "qwen2_5_vl", seed=0)
    return str(out)


def load_failure(settings: AppSettings, exc: BaseException) -> str:
    """What went wrong loading the model, and what the operator can do about it."""
    offline = " (HF_HUB_OFFLINE is set here)" if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") else ""
    fixes = ("run with `--model tiny` (offline tiny model) to try the demo; give --model a local checkpoint "
             f"folder or a hub id already in the cache{offline}; or serve the model with vLLM "
             "and use `--backend openai --base-url http://HOST:8000/v1`")
    what = settings.model or f"the base model of adapter {settings.adapter}"
    return f"cannot load {what!r} ({type(exc).__name__}: {exc}). To fix: {fixes}."


def unconfigured(settings: AppSettings) -> bool:
    """No model was asked for (a Space started without variables), there is no GPU and the default model is not
    on disk: loading would spend minutes retrying the hub, then run a 7B model on a CPU. Start without one."""
    if settings.backend != "local" or settings.adapter or settings.model != DEFAULT_MODEL:
        return False
    import torch
    from huggingface_hub import try_to_load_from_cache

    gpu = torch.cuda.is_available() or on_zero_gpu()  # ZeroGPU lends its GPU only inside calls, but it has one
    return not gpu and not isinstance(try_to_load_from_cache(DEFAULT_MODEL, "config.json"), str)


def build_backend(settings: AppSettings):
    """The backend `settings` ask for, or an `UnavailableBackend` explaining why it could not be built."""
    if unconfigured(settings):
        log.warning("no model configured and no GPU: starting without a model (set MEDQA_MODEL, MEDQA_ADAPTER or "
                    "MEDQA_BACKEND=openai with MEDQA_BASE_URL)")
        return UnavailableBackend("no model is configured and there is no GPU: set MEDQA_MODEL (a local folder, or "
                                  "'tiny'), MEDQA_ADAPTER, or MEDQA_BACKEND=openai with MEDQA_BASE_URL",
                                  reason="no_model")
    try:
        if settings.backend == "openai":
            saved = settings.adapter or settings.model
            fmt = ConversationFormat.load_or_default(saved if Path(saved).is_dir() else None)
            return OpenAIBackend(settings.base_url, settings.served_model or settings.model, fmt=fmt,
                                 budget=ImageBudget.load(saved))
        import torch

        from medqa.core.modeling import load_model

        zero_gpu = on_zero_gpu()
        device_map = "cuda" if torch.cuda.is_available() and not zero_gpu else None
        model = resolve_model(settings.model) if settings.model else None
        loaded = load_model(model, adapter=settings.adapter, device_map=device_map)
        if zero_gpu:
            # ZeroGPU lends a GPU only inside @spaces.GPU calls: the model is moved to 'cuda' at start-up (spaces
            # records the move) and is on the GPU whenever a decorated call runs. Left on the CPU, it stays there.
            loaded.model.to("cuda")
        loaded.model.eval()
        return LocalBackend(loaded)
    except (ModelLoadError, OSError, ValueError, RuntimeError, ImportError) as exc:
        log.error("model not loaded: %s", exc)
        return UnavailableBackend(load_failure(settings, exc))


def on_zero_gpu() -> bool:
    """True on a ZeroGPU Space (SPACES_ZERO_GPU, the variable the `spaces` package reads)."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "t", "true")


def warm_up(backend, max_new_tokens: int = 8) -> str | None:
    """One short generation on a 448-px grey image, so the first clinician meets no start-up stall.

    A local backend with a fast decoder first compiles it for every cache bucket (its `warmup`).
    Returns None when it worked, else the error text (the caller decides what to do with it).
    """
    if isinstance(backend, UnavailableBackend):
        return backend.message
    image = Image.new("RGB", (448, 448), (90, 90, 90))
    conversation = [backend.fmt.user_turn(WARMUP_QUESTION, image)]
    start = time.perf_counter()
    try:
        if callable(getattr(backend, "warmup", None)) and (buckets := backend.warmup()):
            log.info("fast decoder compiled for cache buckets %s", ", ".join(f"{n} tokens: {s:.1f} s"
                                                                         for n, s in sorted(buckets.items())))
        backend.generate([conversation], DecodingSettings(max_new_tokens=max_new_tokens))
    except Exception as exc:  # any failure here is reported, never fatal: the app must still start
        return f"{type(exc).__name__}: {exc}"
    log.info("warm-up generation took %.2f s", time.perf_counter() - start)
    return None


def model_info(backend, settings: AppSettings) -> dict[str, str | None]:
    """model_id / adapter_id / adapter_hash stored with every rating."""
    loaded = getattr(backend, "loaded", None)
    model_id = loaded.model_id if loaded is not None else settings.served_model or settings.model
    if settings.model == "tiny":
        model_id = "tiny"
    return {"model_id": model_id, "adapter_id": settings.adapter, "adapter_hash": adapter_hash(settings.adapter)}


def model_type(backend, settings: AppSettings) -> str:
    """config.model_type of a local model; the configured one for a served model."""
    loaded = getattr(backend, "loaded", None)
    config = getattr(getattr(loaded, "model", None), "config", None)
    return getattr(config, "model_type", None) or settings.model_type


def token_counter(backend) -> Callable[[str], int]:
    """Token count of a text with the model's tokenizer; characters when there is none (never undercounts Chinese)."""
    loaded = getattr(backend, "loaded", None)
    if loaded is None:
        return len
    tokenizer = loaded.tokenizer
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def image_budget(backend) -> ImageBudget:
    """The pixel budget the processor resizes images into."""
    loaded = getattr(backend, "loaded", None)
    return loaded.budget if loaded is not None else getattr(backend, "budget", None) or ImageBudget()


def model_input_size(backend, image_size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) the processor resizes an image to: Qwen2.5-VL boxes are in these pixels."""
    budget = image_budget(backend)
    return grounding.model_input_size(image_size, budget.min_pixels, budget.max_pixels)


def free_memory(exc: BaseException) -> None:
    """After an out-of-memory error, hand cached GPU blocks back so the next answer can fit."""
    if not is_out_of_memory(exc):
        return
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def gpu_decorator(duration: int = 120) -> Callable:
    """`spaces.GPU` where the `spaces` package is importable (ZeroGPU Spaces), else the identity."""
    try:
        import spaces
    except ImportError:
        return lambda fn: fn
    return spaces.GPU(duration=duration)
