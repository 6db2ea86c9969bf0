"""A training run: check the options, load the model, encode and pack the data, train, save."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import set_seed

from medqa.core.modeling import ImageBudget, load_model
from medqa.data.folds import load_dataset_meta, read_folds, require_records
from medqa.data.split import parse_folds
from medqa.train.autobatch import fit_micro_batch
from medqa.train.collate import SampleEncoder, pack_groups, rope_index_fn
from medqa.train.config import DataArguments, MedqaTrainingArguments, ModelArguments
from medqa.train.logs import JsonlLogger, SaveFormatCallback, plot_loss_curve
from medqa.train.steps import StepShape, describe, resolve_step
from medqa.train.trainer import MedqaTrainer, StepDataset, apply_method, make_collator, prescan

log = logging.getLogger("medqa.train")


def check_args(margs: ModelArguments, dargs: DataArguments, targs: MedqaTrainingArguments) -> tuple[list[int], dict]:
    """Validate options before any model loads; returns (training folds, the dataset's metadata)."""
    meta = load_dataset_meta(dargs.data)
    k = int(meta["folds"])
    if dargs.train_folds:
        train = parse_folds(dargs.train_folds, k)
    else:
        parse_folds(dargs.fold, k)  # raises a clear message for a fold that does not exist
        train = [f for f in range(k) if f != dargs.fold]
        require_records(dargs.data, [dargs.fold], "held out")
    require_records(dargs.data, train, "to train on")
    if margs.method == "qlora" and targs.optim == "adamw_torch":
        targs.optim = "paged_adamw_32bit" if torch.cuda.is_available() else "adamw_torch"
    if margs.method == "qlora" and targs.checkpointing_unset:
        targs.set_checkpointing(True)  # a 7B QLoRA step peaks near 40 GiB without it, ~11 GiB with it
    apply_shape(targs, resolve_step(targs.per_device_train_batch_size, targs.accumulation_given,
                                    targs.samples_per_step, targs.world_size))
    return train, meta


def apply_shape(targs: MedqaTrainingArguments, shape: StepShape) -> None:
    """Make the Trainer's batch and accumulation those of `shape` (the Trainer reads them at start)."""
    targs.per_device_train_batch_size = shape.per_device
    targs.gradient_accumulation_steps = shape.accumulation
    targs.samples_per_step = shape.units_per_step


def make_units(lengths: list[int], dargs: DataArguments) -> list[list[int]]:
    """The step plan's units: one sample each, or (--batching tokens) rows packed up to max_length."""
    if dargs.batching == "tokens":
        return pack_groups(lengths, dargs.max_length)
    return [[i] for i in range(len(lengths))]


def run_training(margs: ModelArguments, dargs: DataArguments, targs: MedqaTrainingArguments,
                 callbacks: list | None = None) -> dict:
    """Train and save the adapter (or weights) with processor, format and image budget; returns a summary.

    `callbacks`: more TrainerCallbacks (custom logging, inspection), after medqa's own.
    """
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
    kept, lengths, label_counts, skipped = prescan(
        records, SampleEncoder(loaded.processor, loaded.fmt, image_root, dargs.max_length))
    if not kept:
        hint = "" if image_root else "; the dataset was built without --images-dir, so pass --image_root"
        raise ValueError(f"no usable sample in folds {train_folds} of {dargs.data} (skipped: {dict(skipped)}){hint}")
    units = make_units(lengths, dargs)
    unit_tokens = [sum(label_counts[i] for i in unit) for unit in units]
    model = apply_method(loaded, margs, targs)
    shape = StepShape(targs.samples_per_step, targs.per_device_train_batch_size, targs.world_size)
    if targs.auto_micro_batch:
        shape = fit_micro_batch(model, encoder, kept, units, lengths, shape, dargs, loaded.tokenizer.pad_token_id)
        apply_shape(targs, shape)
    log.info("optimizer steps: %s", describe(len(units), shape, dargs.batching))
    out = Path(targs.output_dir)
    logger = JsonlLogger(out / "train_log.jsonl")
    dataset = StepDataset(kept, units, unit_tokens, encoder, shape, targs.process_index, targs.seed)
    trainer = MedqaTrainer(model=model, args=targs, train_dataset=dataset,
                           data_collator=make_collator(dargs.packing, dargs.batching, loaded.tokenizer.pad_token_id),
                           callbacks=[logger, SaveFormatCallback(loaded), *(callbacks or [])])
    result = trainer.train(resume_from_checkpoint=True if targs.resume else None)
    trainer.save_model(str(out))
    if trainer.is_world_process_zero():  # one writer: every process holds the same weights after the step
        loaded.processor.save_pretrained(out)
        loaded.fmt.save(out)
        loaded.budget.save(out, loaded.model_id)
        plot_loss_curve(out / "train_log.jsonl", out / "loss_curve.png")
    summary = {"samples": len(kept), "rows": len(units), "skipped": dict(skipped), "train_folds": train_folds,
               "global_step": result.global_step, "train_loss": result.training_loss,
               **describe(len(units), shape, dargs.batching)}
    log.info("training done: %s", summary)
    return summary
