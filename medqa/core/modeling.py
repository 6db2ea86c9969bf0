"""The one way medqa loads a model: base weights (hub id or folder), optional LoRA adapter, processor.

Training, evaluation, the demo and the merge export all call `load_model`, so a checkpoint is
read the same way everywhere: the conversation format and the image budget saved beside it are
used, never guessed from the model name.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from medqa.core.conversation import ConversationFormat

log = logging.getLogger("medqa.core.modeling")

DEFAULT_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"
# The paper fed 448-px images: 448*448 pixels = 256 merged image tokens (28x28 pixels each).
DEFAULT_MAX_PIXELS = 448 * 448
DEFAULT_MIN_PIXELS = 28 * 28 * 16
PROCESSOR_SETTINGS_FILE = "medqa_processor.json"
# Full module names: bitsandbytes matches skip entries against full names, and a bare "visual" silently
# matches nothing; a custom list replaces the default one, so lm_head must be named too.
QUANT_SKIP_MODULES = ["model.visual", "lm_head"]


class ModelLoadError(RuntimeError):
    """A model, adapter or processor that cannot be loaded; the message says what to check."""


@dataclass(frozen=True)
class ImageBudget:
    """The pixel range each image is resized into (and so its number of vision tokens)."""

    min_pixels: int = DEFAULT_MIN_PIXELS
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self) -> None:
        if not 0 < self.min_pixels <= self.max_pixels:
            raise ValueError(f"need 0 < min_pixels <= max_pixels, got {self.min_pixels}, {self.max_pixels}")

    def save(self, directory: str | Path, base_model: str) -> None:
        data = {**asdict(self), "base_model": base_model}
        (Path(directory) / PROCESSOR_SETTINGS_FILE).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, directory: str | Path | None) -> ImageBudget | None:
        path = Path(directory) / PROCESSOR_SETTINGS_FILE if directory else None
        if path is None or not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(data["min_pixels"], data["max_pixels"])


@dataclass
class LoadedModel:
    """A model ready for training or generation, with everything needed to talk to it."""

    model: Any
    processor: Any
    fmt: ConversationFormat
    budget: ImageBudget
    model_id: str
    adapter: str | None = None

    @property
    def tokenizer(self):
        return self.processor.tokenizer


def default_dtype(device: str | torch.device | None = None) -> torch.dtype:
    """bf16 on a GPU that supports it, float32 otherwise (CPU bf16 matmuls are slow and lossy)."""
    if torch.cuda.is_available() and str(device or "cuda").startswith("cuda") and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def rope_index_fn(model) -> Callable | None:
    """The model's `get_rope_index` (Qwen m-rope), found through peft wrappers; None if it has none."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    for candidate in (inner, getattr(inner, "model", None)):
        if candidate is not None and hasattr(candidate, "get_rope_index"):
            return candidate.get_rope_index
    return None


def quantization_config(mode: str, compute_dtype: torch.dtype):
    """BitsAndBytes settings: 'nf4' (QLoRA: nf4, double quantisation) or '8bit'; None for 'none'."""
    if mode in (None, "", "none"):
        return None
    from transformers import BitsAndBytesConfig

    if mode in ("4bit", "nf4"):
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                  bnb_4bit_compute_dtype=compute_dtype, llm_int8_skip_modules=QUANT_SKIP_MODULES)
    if mode == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=QUANT_SKIP_MODULES)
    raise ValueError(f"unknown quantization {mode!r}: use none, 4bit or 8bit")


def load_processor(model_id: str, budget: ImageBudget):
    """The model's processor with the image pixel budget applied."""
    from transformers import AutoProcessor

    try:
        processor = AutoProcessor.from_pretrained(model_id)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(_explain(model_id, exc)) from exc
    if getattr(processor, "chat_template", None) is None:
        raise ModelLoadError(f"{model_id}: the processor has no chat template; medqa needs one to build prompts")
    if hasattr(processor, "image_processor") and hasattr(processor.image_processor, "size"):
        processor.image_processor.size = {"shortest_edge": budget.min_pixels, "longest_edge": budget.max_pixels}
    return processor


def load_model(model_id: str | None = None, *, adapter: str | None = None, quantization: str = "none",
               dtype: torch.dtype | str | None = None, device_map: Any = None,
               budget: ImageBudget | None = None) -> LoadedModel:
    """Load base weights (+ adapter), processor and conversation format.

    `model_id` may be omitted when `adapter` names its base (peft's adapter_config.json). The
    format and image budget come from the adapter or model folder when saved there.
    """
    from transformers import AutoModelForImageTextToText

    if adapter:  # checked before the base weights load, not after
        base = _adapter_config(adapter).get("base_model_name_or_path")
        model_id = model_id or base
    if not model_id:
        raise ModelLoadError("no model given: pass --model (a hub id or a local folder)")
    saved_dir = adapter or model_id
    budget = budget or ImageBudget.load(saved_dir) or ImageBudget()
    fmt = ConversationFormat.load_or_default(saved_dir if Path(saved_dir).is_dir() else None)
    if isinstance(dtype, str):
        dtype = None if dtype == "auto" else getattr(torch, dtype)
    dtype = dtype or default_dtype()
    processor = load_processor(model_id, budget)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if (quant := quantization_config(quantization, dtype)) is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = device_map or ("auto" if torch.cuda.is_available() else "cpu")
    elif device_map is not None:
        kwargs["device_map"] = device_map
    try:
        model = AutoModelForImageTextToText.from_pretrained(model_id, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(_explain(model_id, exc)) from exc
    if adapter:
        model = _attach_adapter(model, adapter)
    return LoadedModel(model, processor, fmt, budget, model_id, adapter)


def _attach_adapter(model, adapter: str):
    from peft import PeftModel

    return PeftModel.from_pretrained(model, adapter)


def _adapter_config(adapter: str) -> dict:
    """The adapter's peft config; a clear error when the folder holds none."""
    path = Path(adapter) / "adapter_config.json"
    if not path.is_file():
        raise ModelLoadError(f"--adapter {adapter}: no adapter_config.json there (is it a medqa training output?)")
    return json.loads(path.read_text())


def _explain(model_id: str, exc: Exception) -> str:
    offline = "HF_HUB_OFFLINE is set" if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") else \
        "or the hub could not be reached"
    hint = (f"it is not a local folder, so it must be a hub id already in the local cache ({offline})"
            if not Path(model_id).exists() else
            "the folder exists but is not a complete checkpoint (config.json, weights, processor files)")
    return f"cannot load model {model_id!r}: {hint}. Underlying error: {type(exc).__name__}: {exc}"
