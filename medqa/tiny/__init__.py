"""Tiny, randomly initialised Qwen vision-language checkpoints for offline tests and smoke runs.

The folder written by `build_tiny_model` loads back through the same path users take
(`AutoProcessor.from_pretrained(out)`, `AutoModelForImageTextToText.from_pretrained(out)`).
Command line: ``python -m medqa.tiny OUT_DIR --arch qwen2_5_vl [--seed 0] [--layers 2] ...``
"""

from medqa.tiny.cli import main
from medqa.tiny.model import ARCHES, build_tiny_model
from medqa.tiny.tokenizer import SPECIAL_TOKENS, build_tokenizer

__all__ = ["ARCHES", "SPECIAL_TOKENS", "build_tiny_model", "build_tokenizer", "main"]
