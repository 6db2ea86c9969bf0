"""`--auto_micro_batch`: the largest micro-batch whose forward and backward fit the GPU, step unchanged.

The micro-batch is a speed choice: a larger one runs fewer, fuller passes per optimizer step. Each
candidate (the divisors of the per-process share of a step, largest first, at most 32) is tried once on
the longest units of the data (the worst case of the run); the first that does not run out of memory
is kept, and gradient accumulation becomes share / micro-batch so a step keeps its samples.
"""

from __future__ import annotations

import logging

import torch

from medqa.train.steps import StepShape

log = logging.getLogger("medqa.train")


def candidates(shape: StepShape, cap: int = 32) -> list[int]:
    """Micro-batch sizes that divide one process's share of a step, largest first."""
    share = shape.units_per_step // shape.world_size
    return [b for b in range(min(share, cap), 0, -1) if share % b == 0]


def _probe(model, encoder, records, units, longest, b, dargs, pad_id) -> None:
    from medqa.train.trainer import MedqaTrainer, make_collator

    chosen = [[encoder(records[j]) for j in units[u]] for u in longest[:b]]
    batch = make_collator(dargs.packing, dargs.batching, pad_id)([(chosen, 1)])
    batch.pop("step_tokens")
    device = next(p.device for p in model.parameters())
    batch = {k: v.to(device) for k, v in batch.items()}
    loss = MedqaTrainer.compute_loss(None, model, batch)
    loss.backward()
    model.zero_grad(set_to_none=True)


def _agree(b: int) -> int:
    """The smallest choice over the processes: every rank must run the same micro-batches."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        t = torch.tensor([b], device="cuda")
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MIN)
        return int(t.item())
    return b


def fit_micro_batch(model, encoder, records, units, lengths, shape: StepShape, dargs, pad_id) -> StepShape:
    """The shape with the largest micro-batch that fits in memory (CUDA only; elsewhere `shape` unchanged)."""
    if not torch.cuda.is_available():
        log.info("--auto_micro_batch: no CUDA device, keeping micro-batch %d", shape.per_device)
        return shape
    longest = sorted(range(len(units)), key=lambda u: -sum(lengths[j] for j in units[u]))
    model.train()
    for b in candidates(shape):
        try:
            _probe(model, encoder, records, units, longest, b, dargs, pad_id)
        except torch.cuda.OutOfMemoryError:
            model.zero_grad(set_to_none=True)
            torch.cuda.empty_cache()
            log.info("--auto_micro_batch: %d does not fit", b)
            continue
        torch.cuda.empty_cache()
        b = _agree(b)
        fitted = StepShape(shape.units_per_step, b, shape.world_size)
        log.info("--auto_micro_batch: micro-batch %d x %d accumulation steps", b, fitted.accumulation)
        return fitted
    raise ValueError("--auto_micro_batch: not even one sample per micro-batch fits in GPU memory")
