"""Fine-tuning: LoRA, QLoRA or full, on packed conversations, with resumable checkpoints.

`train.py` parses the config dataclasses (medqa.train.config) and calls `medqa.train.run.run_training`. The HF Trainer
supplies the loop, gradient accumulation, `accelerate launch` multi-GPU, checkpoint/resume (with
optimizer, scheduler and RNG state and the data position) and `report_to`. medqa adds packing,
assistant-only labels, a loss computed only where there are labels, bad-sample skipping, and the
files evaluation and the demo need beside every checkpoint.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import torch
from transformers import Trainer, TrainingArguments

from medqa.core.imaging import ImageError
from medqa.core.modeling import LoadedModel
from medqa.train.collate import SampleEncoder, SampleError, pack_rows, pad_collate
from medqa.train.config import ModelArguments

log = logging.getLogger("medqa.train")
VISION_TARGET = r".*visual\.blocks\.\d+\.(attn\.(qkv|proj)|mlp\.\w+)"


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
        # A 1-D index (the positions labelled in any row) is what every transformers 5.x takes; a 2-D boolean
        # `logits_to_keep` only from 5.2x (5.17 fails with "too many indices"). Each row then keeps its own.
        union = keep.any(dim=0).nonzero()[:, 0]
        outputs = model(**inputs, logits_to_keep=union, use_cache=False)
        logits = outputs.logits[keep[:, union]].float()  # (labelled positions, vocab), row-major like `targets`
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        denominator = num_items_in_batch if num_items_in_batch is not None else max(targets.numel(), 1)
        loss = loss / denominator
        return (loss, outputs) if return_outputs else loss


def no_grad_when_frozen(module: torch.nn.Module) -> list:
    """Run `module` without autograd whenever none of its parameters is trainable; returns the hook handles.

    `enable_input_require_grads()` (which checkpointing calls) hooks every input embedding it finds,
    the vision tower's patch embedding included, so a frozen tower would otherwise record a graph,
    run its forward again under checkpointing and then a backward that updates nothing. Checked at
    each call, so a tower that is unfrozen later trains normally.
    """
    state: dict[int, bool] = {}

    def enter(mod, args):
        if torch.is_grad_enabled() and not any(p.requires_grad for p in mod.parameters()):
            state[id(mod)] = True
            torch.set_grad_enabled(False)

    def leave(mod, args, output):
        if state.pop(id(mod), False):
            torch.set_grad_enabled(True)

    return [module.register_forward_pre_hook(enter), module.register_forward_hook(leave, always_call=True)]


def vision_towers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The vision encoder(s) of a Qwen VL model (`...visual`), through any wrapper."""
    return [m for name, m in model.named_modules() if name.rsplit(".", 1)[-1] == "visual"]


def apply_method(loaded: LoadedModel, margs: ModelArguments, targs: TrainingArguments):
    """Freeze / wrap the model for the chosen method; returns the model to train."""
    model = loaded.model
    model.config.use_cache = False
    for tower in vision_towers(model):
        no_grad_when_frozen(tower)
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


