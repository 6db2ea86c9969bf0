"""Fine-tuning: LoRA, QLoRA or full, on packed conversations, with resumable checkpoints.

`train.py` parses the three config dataclasses below and calls `run_training`. The HF Trainer
supplies the loop, gradient accumulation, `accelerate launch` multi-GPU, checkpoint/resume (with
optimizer, scheduler and RNG state and the data position) and `report_to`. medqa adds packing,
assistant-only labels, a loss computed only where there are labels, bad-sample skipping, and the
files evaluation and the demo need beside every checkpoint.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import Trainer, TrainingArguments, set_seed

from medqa.collate import SampleEncoder, SampleError, pack_groups, pack_rows, pad_collate, rope_index_fn
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.data.split import parse_folds
from medqa.imaging import ImageError
from medqa.modeling import DEFAULT_MAX_PIXELS, DEFAULT_MIN_PIXELS, DEFAULT_MODEL, ImageBudget, LoadedModel, load_model
from medqa.train_logging import JsonlLogger, SaveFormatCallback, plot_loss_curve

log = logging.getLogger("medqa.training")
LM_LINEAR = r"(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
# Bare names would also hit the vision tower's MLP (Qwen2.5-VL): anchor on the language model.
LORA_TARGET = rf".*language_model.*\.{LM_LINEAR}"
VISION_TARGET = r".*visual\.blocks\.\d+\.(attn\.(qkv|proj)|mlp\.\w+)"


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
    packing: bool = field(default=True, metadata={"help": "pack samples into padding-free rows of max_length"})


@dataclass
class MedqaTrainingArguments(TrainingArguments):
    """HF TrainingArguments with the paper's settings as defaults."""

    output_dir: str = field(default="runs/medqa", metadata={"help": "where checkpoints and the adapter go"})
    per_device_train_batch_size: int = field(default=2, metadata={"help": "rows per device per step (paper: 2)"})
    gradient_accumulation_steps: int = field(default=8, metadata={"help": "paper: 8"})
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


class PackedDataset(torch.utils.data.Dataset):
    """Items are groups of records (one packed row each, or one record when not packing)."""

    def __init__(self, records: list[dict], groups: list[list[int]], encoder: SampleEncoder) -> None:
        self.records, self.groups, self.encoder = records, groups, encoder

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, i: int) -> list:
        # Prescan checked every sample, but a file can vanish during a long run: drop it, never crash.
        for attempt in range(len(self.groups)):
            group = self.groups[(i + attempt) % len(self.groups)]
            samples = []
            for j in group:
                try:
                    samples.append(self.encoder(self.records[j]))
                except (SampleError, ImageError) as exc:
                    log.warning("dropping sample %s mid-run: %s", self.records[j].get("id"), exc)
            if samples:
                return samples
        raise RuntimeError("no sample of the training set can be read any more")


def prescan(records: list[dict], encoder: SampleEncoder) -> tuple[list[dict], list[int], Counter]:
    """Encode every record once: keep the usable ones with their lengths, count and log the rest."""
    kept, lengths, skipped = [], [], Counter()
    for record in records:
        try:
            lengths.append(len(encoder(record)))
            kept.append(record)
        except (SampleError, ImageError) as exc:
            reason = exc.reason if isinstance(exc, SampleError) else "unreadable image"
            skipped[reason] += 1
            log.warning("skipping sample %s: %s", record.get("id"), exc)
    return kept, lengths, skipped


def make_collator(packing: bool, pad_id: int):
    """One packed row per group (padded to the longest row), or padded single samples."""
    def collate(items: list[list]) -> dict:
        if packing:
            return pack_rows(items, pad_id)
        return pad_collate([s for group in items for s in group], pad_id)

    return collate


class MedqaTrainer(Trainer):
    """Trainer whose loss projects only the positions that have labels onto the vocabulary.

    Answers are a small share of each sequence, and the 152k-entry vocabulary projection of every
    position is the largest activation in a Qwen step; skipping unlabelled positions saves both.
    """

    loss_is_scaled_for_ga = True

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        keep = torch.zeros_like(labels, dtype=torch.bool)
        keep[:, :-1] = labels[:, 1:] != -100  # position t predicts label t+1
        targets = labels[:, 1:][keep[:, :-1]]
        outputs = model(**inputs, logits_to_keep=keep, use_cache=False)
        logits = outputs.logits.reshape(-1, outputs.logits.shape[-1]).float()
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        denominator = num_items_in_batch if num_items_in_batch is not None else max(targets.numel(), 1)
        loss = loss / denominator
        return (loss, outputs) if return_outputs else loss


def apply_method(loaded: LoadedModel, margs: ModelArguments, targs: TrainingArguments):
    """Freeze / wrap the model for the chosen method; returns the model to train."""
    model = loaded.model
    model.config.use_cache = False
    if margs.method == "full":
        for name, param in model.named_parameters():
            param.requires_grad = margs.train_vision or ".visual." not in f".{name}"
        return model
    from peft import LoraConfig, get_peft_model

    target = f"({margs.lora_target}|{VISION_TARGET})" if margs.train_vision else margs.lora_target
    if not any(re.fullmatch(target, n) for n, _ in model.named_modules()):
        raise ValueError(f"--lora_target {target!r} matches no module of {loaded.model_id}")
    if targs.gradient_checkpointing:
        model.enable_input_require_grads()  # checkpointed inputs need grads for the adapters to get them
    config = LoraConfig(r=margs.lora_r, lora_alpha=margs.lora_alpha, lora_dropout=margs.lora_dropout,
                        target_modules=target, task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def check_args(margs: ModelArguments, dargs: DataArguments, targs: MedqaTrainingArguments) -> tuple[list[int], dict]:
    """Validate options before any model loads; returns (training folds, the dataset's metadata)."""
    meta = load_dataset_meta(dargs.data)
    k = int(meta["folds"])
    if dargs.train_folds:
        train = parse_folds(dargs.train_folds, k)
    else:
        parse_folds(dargs.fold, k)  # raises a clear message for a fold that does not exist
        train = [f for f in range(k) if f != dargs.fold]
    if margs.method == "qlora" and targs.optim == "adamw_torch":
        targs.optim = "paged_adamw_32bit" if torch.cuda.is_available() else "adamw_torch"
    return train, meta


def run_training(margs: ModelArguments, dargs: DataArguments, targs: MedqaTrainingArguments) -> dict:
    """Train and save the adapter (or weights) with processor, format and image budget; returns a summary."""
    train_folds, meta = check_args(margs, dargs, targs)
    set_seed(targs.seed)  # before the adapters are initialised, so a run (and its resume) is reproducible
    image_root = dargs.image_root or meta.get("image_root")
    records = read_folds(dargs.data, train_folds)
    # A 4-bit model is placed at load time: each process of `accelerate launch` on its own GPU
    # (device_map="auto" would spread one copy over all GPUs and break data parallelism).
    device_map = {"": targs.local_process_index} if margs.method == "qlora" and torch.cuda.is_available() else None
    loaded = load_model(margs.model, quantization="4bit" if margs.method == "qlora" else "none",
                        dtype=margs.dtype, device_map=device_map,
                        budget=ImageBudget(margs.min_pixels, margs.max_pixels))
    if loaded.model.dtype == torch.bfloat16 and torch.cuda.is_available():
        targs.bf16 = True
    encoder = SampleEncoder(loaded.processor, loaded.fmt, image_root, dargs.max_length, rope_index_fn(loaded.model))
    kept, lengths, skipped = prescan(records, encoder)
    if not kept:
        hint = "" if image_root else "; the dataset was built without --images-dir, so pass --image_root"
        raise ValueError(f"no usable sample in folds {train_folds} of {dargs.data} (skipped: {dict(skipped)}){hint}")
    groups = pack_groups(lengths, dargs.max_length) if dargs.packing else [[i] for i in range(len(kept))]
    model = apply_method(loaded, margs, targs)
    out = Path(targs.output_dir)
    logger = JsonlLogger(out / "train_log.jsonl")
    trainer = MedqaTrainer(model=model, args=targs, train_dataset=PackedDataset(kept, groups, encoder),
                           data_collator=make_collator(dargs.packing, loaded.tokenizer.pad_token_id),
                           callbacks=[logger, SaveFormatCallback(loaded)])
    result = trainer.train(resume_from_checkpoint=True if targs.resume else None)
    trainer.save_model(str(out))
    loaded.processor.save_pretrained(out)
    loaded.fmt.save(out)
    loaded.budget.save(out, loaded.model_id)
    plot_loss_curve(out / "train_log.jsonl", out / "loss_curve.png")
    summary = {"samples": len(kept), "rows": len(groups), "skipped": dict(skipped), "train_folds": train_folds,
               "global_step": result.global_step, "train_loss": result.training_loss}
    log.info("training done: %s", summary)
    return summary
