"""`python -m medqa.tiny OUT_DIR --arch qwen2_5_vl`: write one tiny offline checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from medqa.core.config import parse_config
from medqa.tiny.model import ARCHES, build_tiny_model


@dataclass
class TinyArguments:
    """Where to write the tiny checkpoint and how small it is."""

    out_dir: Path = field(metadata={"help": "folder to write (created if missing); may be given first, bare"})
    arch: Literal["qwen2_vl", "qwen2_5_vl", "qwen3_vl"] = field(default="qwen2_5_vl", metadata={"help": "architecture"})
    seed: int = field(default=0, metadata={"help": "weight-init seed"})
    layers: int = field(default=2, metadata={"help": "text decoder layers"})
    hidden: int = field(default=64, metadata={"help": "text hidden size, a multiple of 16"})
    vocab: int = field(default=1000, metadata={"help": "tokenizer/embedding size"})

    def __post_init__(self) -> None:
        if self.arch not in ARCHES:
            raise ValueError(f"unknown --arch {self.arch!r}; valid: {', '.join(ARCHES)}")


def main(argv: list[str] | None = None) -> int:
    """Build one tiny checkpoint (model + processor + tokenizer) and print where it went."""
    (args,) = parse_config((TinyArguments,), argv, prog="python -m medqa.tiny", positional=("out_dir",),
                           description="Write a tiny randomly initialised Qwen VL checkpoint that loads offline "
                                       "with AutoProcessor / AutoModelForImageTextToText. For tests and smoke runs.")
    try:
        out = build_tiny_model(args.out_dir, args.arch, seed=args.seed, num_layers=args.layers,
                               hidden_size=args.hidden, vocab_size=args.vocab)
    except ValueError as exc:
        raise SystemExit(f"python -m medqa.tiny: error: {exc}") from None
    print(out)
    return 0
