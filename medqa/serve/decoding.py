"""How to decode an answer: the settings evaluation, the demo and the study share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class DecodingSettings:
    """How to decode: greedy (default, as in evaluation), beam search or sampling."""

    strategy: Literal["greedy", "beam", "sample"] = field(default="greedy", metadata={"help": "decoding strategy"})
    max_new_tokens: int = field(default=256, metadata={"help": "longest answer in tokens"})
    num_beams: int = field(default=4, metadata={"help": "beams (--strategy beam)"})
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature (--strategy sample)"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling mass (--strategy sample)"})
    top_k: int = field(default=0, metadata={"help": "sample among the k likeliest tokens, 0 = all (--strategy sample)"})
    repetition_penalty: float = field(default=1.05, metadata={"help": "penalty on repeated tokens (1 = none)"})

    def __post_init__(self) -> None:
        if self.strategy not in ("greedy", "beam", "sample"):
            raise ValueError(f"decoding strategy must be greedy, beam or sample, got {self.strategy!r}")
        if self.max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")

    def hf_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `model.generate`."""
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "repetition_penalty": self.repetition_penalty}
        if self.strategy == "greedy":
            return kwargs | {"do_sample": False, "num_beams": 1}
        if self.strategy == "beam":
            return kwargs | {"do_sample": False, "num_beams": self.num_beams}
        # top_k always named: Qwen2.5-VL-Instruct's generation_config.json sets top_k=1, which would make
        # sampling greedy (transformers applies the model's generation config under these arguments).
        return kwargs | {"do_sample": True, "temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
                         "num_beams": 1}

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (saved with predictions and ratings)."""
        return asdict(self)
