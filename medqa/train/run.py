"""A training run: check the options, load the model, encode and pack the data, train, save."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import set_seed

from medqa.core.modeling import ImageBudget, load_model
from medqa.data.folds import load_dataset_meta, read_folds, require_records
from medqa.data.split import parse_folds
from medqa.train.collate import SampleEncoder, pack_groups, rope_index_fn
from medqa.train.config import DataArguments, MedqaTrainingArguments, ModelArguments
from medqa.train.logs import JsonlLogger, SaveFormatCallback, plot_loss_curve
from medqa.train.trainer import MedqaTrainer, PackedDataset, apply_method, make_collator, prescan

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
