"""Training options: the model, the data and the HF Trainer settings, each a config dataclass.

Defaults are the paper's: max length 1800, batch 2, gradient accumulation 8, lr 1e-5, AdamW,
cosine; LoRA r=64, alpha=16, dropout 0.05 on the language model's linear layers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
from transformers import TrainingArguments

from medqa.core.modeling import DEFAULT_MAX_PIXELS, DEFAULT_MIN_PIXELS, DEFAULT_MODEL

LM_LINEAR = r"(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
# Bare names would also hit the vision tower's MLP (Qwen2.5-VL): anchor on the language model.
LORA_TARGET = rf".*language_model.*\.{LM_LINEAR}"


@dataclass
class ModelArguments:
    model: str = field(default=DEFAULT_MODEL, metadata={"help": "hub id or local folder of the base model"})
    method: str = field(default="lora", metadata={"help": "lora, qlora (4-bit nf4 base + LoRA) or full"})
    lora_r: int = field(default=64, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA alpha"})
    lora_dropout: float = field(default=0.05, metadata={"help": "LoRA dropout"})
    lora_target: str = field(default=LORA_TARGET, metadata={"help": "regex of the module names LoRA wraps"})
    train_vision: bool = field(default=False, metadata={"help": "also train the vision tower (frozen by default)"})
    min_pixels: int = field(default=DEFAULT_MIN_PIXELS, metadata={"help": "smallest image size in pixels"})
    max_pixels: int = field(default=DEFAULT_MAX_PIXELS,
                            metadata={"help": "largest image size in pixels (448*448 = 256 image tokens, the paper's)"})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 on GPU, fp32 on CPU), bfloat16, float16, float32"})

    def __post_init__(self) -> None:
        if self.method not in ("lora", "qlora", "full"):
            raise ValueError(f"--method must be lora, qlora or full, got {self.method!r}")



@dataclass
class DataArguments:
    data: str = field(default="data/openi-zh", metadata={"help": "dataset folder from `python -m medqa.data build`"})
    fold: int = field(default=0, metadata={"help": "held-out fold: train on all the other folds"})
    train_folds: str | None = field(default=None, metadata={"help": "train on these folds instead, e.g. '1-4'"})
    image_root: str | None = field(default=None, metadata={"help": "image folder (default: the one the build used)"})
    max_length: int = field(default=1800, metadata={"help": "longest sample in tokens; longer ones are skipped"})
    packing: bool = field(default=True, metadata={
        "help": "put each micro-batch's samples in one padding-free row (speed only: the step is unchanged)"})
    batching: str = field(default="samples", metadata={
        "help": "samples: a step is --samples_per_step samples (the paper's); tokens (opt-in): a step is that many "
                "rows packed up to --max_length, so its sample count varies"})

    def __post_init__(self) -> None:
        if self.batching not in ("samples", "tokens"):
            raise ValueError(f"--batching must be samples or tokens, got {self.batching!r}")



@dataclass
class MedqaTrainingArguments(TrainingArguments):
    """HF TrainingArguments with the paper's settings as defaults."""

    output_dir: str = field(default="runs/medqa", metadata={"help": "where checkpoints and the adapter go"})
    per_device_train_batch_size: int = field(default=2, metadata={
        "help": "samples per micro-batch on each process (paper: 2); a speed choice, the step stays the same"})
    gradient_accumulation_steps: int | None = field(default=None, metadata={
        "default_text": "samples_per_step / (batch x processes): 8 at the paper's batch 2",
        "help": "micro-batches per optimizer step"})
    samples_per_step: int | None = field(default=None, metadata={
        "default_text": "16, or batch x accumulation x processes when --gradient_accumulation_steps is given",
        "help": "samples (rows with --batching tokens) in one optimizer step (paper: 2 x 8 = 16)"})
    auto_micro_batch: bool = field(default=False, metadata={
        "help": "before training, pick the largest micro-batch that fits the GPU's memory (accumulation adjusted "
                "so the step keeps --samples_per_step)"})
    ddp_find_unused_parameters: bool | None = field(default=False, metadata={
        "help": "DDP: look for parameters without gradients each step (off: every trainable one is used)"})
    dataloader_num_workers: int = field(default=-1, metadata={
        "default_text": "min(4, CPUs - 1)", "help": "processes that encode samples while the model trains"})
    learning_rate: float = field(default=1e-5, metadata={"help": "paper: 1e-5"})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "paper: cosine"})
    optim: str = field(default="adamw_torch", metadata={"help": "paper: AdamW (QLoRA uses paged AdamW)"})
    num_train_epochs: float = field(default=3.0, metadata={"help": "epochs over the training folds"})
    warmup_steps: float = field(default=0.03, metadata={"help": "warm-up (a fraction < 1 of the steps, or a count)"})
    logging_steps: float = field(default=1, metadata={"help": "log every N steps"})
    save_steps: float = field(default=100, metadata={"help": "checkpoint every N steps"})
    save_total_limit: int | None = field(default=3, metadata={"help": "keep the last N checkpoints"})
    remove_unused_columns: bool = field(default=False, metadata={"help": "keep medqa's columns"})
    resume: bool = field(default=False, metadata={"help": "continue from the last checkpoint in output_dir"})
    gradient_checkpointing: bool | None = field(default=None, metadata={
        "default_text": "on for --method qlora, else off", "nargs": "?", "const": True,
        "help": "recompute activations in the backward pass: less memory, about a fifth more compute"})

    def __post_init__(self) -> None:
        # Remember whether checkpointing was asked for either way: transformers >= 5.2x resolves an unset
        # value to False below (under its new name, activation_checkpointing), and QLoRA's default is on.
        self.checkpointing_unset = self.gradient_checkpointing is None and \
            getattr(self, "activation_checkpointing", None) is None
        if self.gradient_checkpointing is None and not hasattr(self, "activation_checkpointing"):
            self.gradient_checkpointing = False  # transformers 5.17 has only this name, a plain bool
        # Accumulation is resolved with the world size (medqa.train.run.resolve_accumulation); 1 until then.
        self.accumulation_given = self.gradient_accumulation_steps
        self.gradient_accumulation_steps = self.gradient_accumulation_steps or 1
        if self.dataloader_num_workers < 0:
            self.dataloader_num_workers = min(4, max(0, (os.cpu_count() or 1) - 1))
        if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available():
            # torchrun on CPUs: without use_cpu accelerate sets up no distributed state, and each process
            # would train alone on the whole data (gloo is the CPU backend).
            self.use_cpu = True
            self.ddp_backend = self.ddp_backend or "gloo"
        super().__post_init__()

    @property
    def device(self) -> torch.device:
        device = super().device
        # Some transformers/accelerate pairs (5.17 with 1.10) give CPU process k the device "cpu:k", which
        # torch.load cannot map a checkpoint to: resuming a torchrun CPU run failed on every rank but 0.
        return torch.device("cpu") if device.type == "cpu" else device

    def set_checkpointing(self, on: bool) -> None:
        """Turn activation checkpointing on or off under both of its names (5.17: gradient_, 5.2x: activation_)."""
        self.gradient_checkpointing = on
        if hasattr(self, "activation_checkpointing"):
            self.activation_checkpointing = on


OPTIONS = (ModelArguments, DataArguments, MedqaTrainingArguments)  # train.py's options, in parse order
