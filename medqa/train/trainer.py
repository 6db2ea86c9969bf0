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
from medqa.train.encode import encode_all
from medqa.train.steps import MicroBatch, StepShape, plan_epoch

log = logging.getLogger("medqa.train")
VISION_TARGET = r".*visual\.blocks\.\d+\.(attn\.(qkv|proj)|mlp\.\w+)"


class StepBatchSampler(torch.utils.data.Sampler):
    """Yields one index per micro-batch, offset by the epoch, so dataloader workers know the epoch too.

    A batch sampler, so that accelerate's `skip_first_batches` (resume mid-epoch) wraps it and the Trainer
    still reaches its `set_epoch`.
    """

    def __init__(self, n_micro: int) -> None:
        self.n_micro, self.epoch = n_micro, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.n_micro

    def __iter__(self):
        return iter([[self.epoch * self.n_micro + i] for i in range(self.n_micro)])


class StepLoader(torch.utils.data.DataLoader):
    """The training DataLoader: `set_epoch` reaches the step sampler."""

    def set_epoch(self, epoch: int) -> None:
        self.batch_sampler.set_epoch(epoch)


class StepDataset(torch.utils.data.Dataset):
    """This rank's micro-batches: item `epoch * len + i` is micro-batch i of that epoch's plan (medqa.train.steps).

    Samples are encoded here, in the dataloader workers, so the accelerator never waits on the CPU.
    """

    def __init__(self, records: list[dict], units: list[list[int]], unit_tokens: list[int], encoder: SampleEncoder,
                 shape: StepShape, rank: int, seed: int) -> None:
        self.records, self.units, self.unit_tokens, self.encoder = records, units, unit_tokens, encoder
        self.shape, self.rank, self.seed = shape, rank, seed
        self._plans: dict[int, list[MicroBatch]] = {}
        self.n_micro = len(self.plan(0))

    def plan(self, epoch: int) -> list[MicroBatch]:
        if epoch not in self._plans:
            self._plans = {epoch: plan_epoch(self.units, self.unit_tokens, self.shape, self.rank, self.seed, epoch)}
        return self._plans[epoch]

    def __len__(self) -> int:
        return self.n_micro

    def __getitem__(self, index: int) -> tuple[list[list], int]:
        epoch, i = divmod(int(index), self.n_micro)
        plan = self.plan(epoch)
        for attempt in range(self.n_micro):
            # Every file of a micro-batch vanished mid-run: train on the next one's samples instead (the step keeps
            # its normaliser), so one lost folder never ends a run of thousands.
            micro = plan[(i + attempt) % self.n_micro]
            units = [[s for s in map(self._encode, unit) if s is not None] for unit in micro.units]
            units = [u for u in units if u]
            if units:
                return units, plan[i].step_tokens
        raise RuntimeError("no sample of the training set can be read any more")

    def _encode(self, j: int):
        # Prescan checked every sample, but a file can vanish during a long run: drop it, never crash.
        try:
            return self.encoder(self.records[j])
        except (SampleError, ImageError) as exc:
            log.warning("dropping sample %s mid-run: %s", self.records[j].get("id"), exc)
            return None


def prescan(records: list[dict], encoder: SampleEncoder) -> tuple[list[dict], list[int], list[int], Counter]:
    """Encode every record once: keep the usable ones with their lengths and label counts, count the rest."""
    kept, lengths, labels, skipped = [], [], [], Counter()
    for record, result in zip(records, encode_all(records, encoder), strict=True):
        if isinstance(result, tuple):
            lengths.append(result[0])
            labels.append(result[1])
            kept.append(record)
        else:
            skipped[result[0]] += 1
            log.warning("skipping sample %s: %s", record.get("id"), result[1])
    return kept, lengths, labels, skipped


def make_collator(packing: bool, batching: str, pad_id: int):
    """A micro-batch as model inputs plus `step_tokens`.

    samples + packing: the micro-batch's samples in one padding-free row; samples without packing: one
    padded row each; tokens: one packed row per unit (rows of up to max_length).
    """
    def collate(items: list) -> dict:
        (units, step_tokens), = items
        if batching == "tokens":
            batch = pack_rows(units, pad_id)
        elif packing:
            batch = pack_rows([[s for unit in units for s in unit]], pad_id)
        else:
            batch = pad_collate([s for unit in units for s in unit], pad_id)
        return batch | {"step_tokens": torch.tensor(step_tokens)}

    return collate


class MedqaTrainer(Trainer):
    """Trainer whose loss projects only the positions that have labels onto the vocabulary.

    Answers are a small share of each sequence, and the 152k-entry vocabulary projection of every
    position is the largest activation in a Qwen step; skipping unlabelled positions saves both.
    The loss of a micro-batch is its summed cross-entropy over the labelled tokens of the whole optimizer
    step (every micro-batch of every process, known from the prescan), times the processes (data
    parallel averages gradients): so loss and gradients do not depend on how the step is split, on any
    transformers version, whatever the Trainer would count.
    """

    loss_is_scaled_for_ga = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # transformers 5.17 reads this flag instead of loss_is_scaled_for_ga: our loss is already per step.
        self.model_accepts_loss_kwargs = True

    def get_train_dataloader(self) -> StepLoader:
        """This rank's micro-batches, one per batch, encoded by `dataloader_num_workers` workers."""
        dataset = self.train_dataset
        workers = self.args.dataloader_num_workers
        return StepLoader(dataset, batch_sampler=StepBatchSampler(len(dataset)), collate_fn=self.data_collator,
                          num_workers=workers, pin_memory=self.args.dataloader_pin_memory,
                          persistent_workers=workers > 0, prefetch_factor=4 if workers else None)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        step_tokens = inputs.pop("step_tokens", None)
        keep = torch.zeros_like(labels, dtype=torch.bool)
        keep[:, :-1] = labels[:, 1:] != -100  # position t predicts label t+1
        targets = labels[:, 1:][keep[:, :-1]]
        # A 1-D index (the positions labelled in any row) is what every transformers 5.x takes; a 2-D boolean
        # `logits_to_keep` only from 5.2x (5.17 fails with "too many indices"). Each row then keeps its own.
        union = keep.any(dim=0).nonzero()[:, 0]
        outputs = model(**inputs, logits_to_keep=union, use_cache=False)
        logits = outputs.logits[keep[:, union]].float()  # (labelled positions, vocab), row-major like `targets`
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        if step_tokens is None:  # a lone batch (tests, probes): its own mean
            return (loss / max(targets.numel(), 1), outputs) if return_outputs else loss / max(targets.numel(), 1)
        loss = loss * self.args.world_size / step_tokens.clamp(min=1).to(loss.device)
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


