"""evaluate.py's options: what to evaluate, where, and how (decoding is medqa.serve.decoding.DecodingSettings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from medqa.serve.decoding import DecodingSettings


@dataclass
class EvalArguments:
    """Which models and folds to evaluate, and where the predictions and tables go."""

    data: str = field(default="data/openi-zh", metadata={"help": "dataset folder from `python -m medqa.data build`"})
    folds: str = field(default="0-4", metadata={"help": "folds to evaluate, e.g. 0-4 or 0,2"})
    model: list[str] = field(default_factory=list, metadata={
        "action": "extend", "help": "repeatable: hub id or folder (an adapter folder works too), an endpoint model "
        "name with --backend openai, or baseline:majority / baseline:question / baseline:retrieval; 'LABEL=MODEL' "
        "names the table row; "
        "'{fold}' in a path becomes the fold number (one fine-tuned adapter per fold)"})
    adapter: str | None = field(default=None, metadata={"help": "LoRA adapter for the (single) local --model"})
    backend: Literal["local", "openai"] = field(default="local", metadata={"help": "local transformers or openai"})
    base_url: str | None = field(default=None, metadata={"help": "OpenAI-compatible API root, e.g. http://host:8000/v1"})
    api_key_env: str = field(default="OPENAI_API_KEY", metadata={"help": "environment variable with the API key"})
    out: str = field(default="results", metadata={"help": "output folder: predictions/, results.json, results.md"})
    batch_size: int = field(default=8, metadata={"help": "prompts per generate call (openai: requests at once)"})
    quantization: Literal["none", "4bit"] = field(default="none", metadata={"help": "load local models in 4-bit"})
    limit: int | None = field(default=None, metadata={"help": "only the first N items per fold (smoke runs)"})
    image_root: str | None = field(default=None, metadata={"help": "image folder (default: the one the build used)"})
    tokenizer: Literal["char", "jieba"] = field(default="char", metadata={"help": "ROUGE tokens: characters or jieba"})
    score_only: bool = field(default=False, metadata={"help": "score saved predictions, generate nothing"})
    retry_errors: bool = field(default=False, metadata={"help": "on resume, redo the items saved as error rows"})
    max_consecutive_errors: int = field(default=50, metadata={"help": "stop when this many samples fail in a row"})
    image_ablation: Literal["none", "blank"] = field(default="none", metadata={
        "help": "blank: also score every model with a uniform grey image in place of each film (a '[blank image]' "
        "row) and report the paired drop; a model that reads the film must lose accuracy there"})
    compare: list[str] = field(default_factory=list, metadata={
        "help": "two row names A B already in (or evaluated into) --out: paired bootstrap of A - B per figure and "
        "type (difference, 95%% interval, p-value), in results.md and comparisons.json"})
    bootstrap_samples: int = field(default=1000, metadata={
        "help": "bootstrap replicates for the 95%% intervals and comparisons (patients resampled within folds)"})
    seed: int = field(default=0, metadata={"help": "seed of the bootstrap draws"})
    benchmark: Literal["medqa", "slake"] = field(default="medqa", metadata={
        "help": "medqa: a dataset built by medqa (--data, --folds); slake: the public SLAKE benchmark, --data "
        "being its folder (train.json, validate.json, test.json, imgs/), see medqa.eval.slake"})
    split: Literal["train", "validate", "test"] = field(default="test", metadata={
        "help": "slake: the split to score (baselines are fitted on the other two)"})
    lang: Literal["zh", "en", "both"] = field(default="zh", metadata={"help": "slake: question language"})
    modality: Literal["X-Ray", "CT", "MRI", "all"] = field(default="all", metadata={"help": "slake: image modality"})

    def __post_init__(self) -> None:
        if self.batch_size < 1 or (self.limit is not None and self.limit < 1):
            raise ValueError("--batch_size and --limit must be at least 1")
        if self.compare and len(self.compare) != 2:
            raise ValueError(f"--compare takes two row names (A B), got {len(self.compare)}: {self.compare}")
        if self.bootstrap_samples < 100:
            raise ValueError("--bootstrap_samples must be at least 100 for a 95% interval")


OPTIONS = (EvalArguments, DecodingSettings)  # evaluate.py's options, in parse order
