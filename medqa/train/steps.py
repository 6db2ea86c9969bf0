"""How an epoch is cut into optimizer steps and micro-batches, independently of how a step is split.

The paper's optimisation is "16 samples per optimizer step" (batch 2 x gradient accumulation 8). A step is
the unit: each epoch's seeded order of units is cut into steps of `units_per_step`, and only then is a
step divided among processes (data parallel ranks) and micro-batches. So batch x GA x processes, and
packing, are speed choices: the same seed gives every step the same samples whatever the split, and the
loss is normalised by the labelled tokens of the whole step (`step_tokens`), so the gradients agree too.

A unit is a list of sample indices: one sample (the default, `--batching samples`) or a row of samples
packed up to max_length (`--batching tokens`, an explicit opt-in whose steps then hold a token budget).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MicroBatch:
    """One forward/backward on one rank: its units, and the labelled tokens of the whole optimizer step."""

    units: tuple[tuple[int, ...], ...]
    step_tokens: int


@dataclass(frozen=True)
class StepShape:
    """How a step is split: units per step, per micro-batch, processes, and the micro-batches each rank runs."""

    units_per_step: int
    per_device: int
    world_size: int

    @property
    def accumulation(self) -> int:
        return self.units_per_step // (self.per_device * self.world_size)


def resolve_step(per_device: int, accumulation: int | None, units_per_step: int | None, world_size: int,
                 default_units: int = 16) -> StepShape:
    """The step's shape from what the user gave; gradient accumulation follows from the others when not given.

    Raises ValueError naming the options when they cannot make whole steps.
    """
    if per_device < 1 or world_size < 1:
        raise ValueError(f"--per_device_train_batch_size must be >= 1, got {per_device}")
    if units_per_step is None:
        units_per_step = per_device * accumulation * world_size if accumulation else default_units
    if units_per_step < 1:
        raise ValueError(f"--samples_per_step must be >= 1, got {units_per_step}")
    split = per_device * world_size
    if units_per_step % split:
        raise ValueError(f"--samples_per_step {units_per_step} is not a multiple of --per_device_train_batch_size "
                         f"{per_device} x {world_size} process(es); pick a micro-batch that divides it")
    shape = StepShape(units_per_step, per_device, world_size)
    if accumulation is not None and accumulation != shape.accumulation:
        raise ValueError(f"--gradient_accumulation_steps {accumulation} x --per_device_train_batch_size {per_device}"
                         f" x {world_size} process(es) = {accumulation * split} samples per step, but "
                         f"--samples_per_step is {units_per_step}: give one of the two, or make them agree")
    return shape


def epoch_order(n_units: int, seed: int, epoch: int) -> list[int]:
    """The seeded order of the units in one epoch: the same on every rank and for every split."""
    order = list(range(n_units))
    random.Random(f"medqa-steps:{seed}:{epoch}").shuffle(order)
    return order


def _chunks(items: Sequence[int], parts: int) -> list[list[int]]:
    """`items` cut into `parts` consecutive, near-equal, non-empty pieces (parts <= len(items))."""
    q, r = divmod(len(items), parts)
    out, start = [], 0
    for p in range(parts):
        size = q + (p < r)
        out.append(list(items[start:start + size]))
        start += size
    return out


def plan_epoch(units: Sequence[Sequence[int]], unit_tokens: Sequence[int], shape: StepShape, rank: int,
               seed: int, epoch: int) -> list[MicroBatch]:
    """Rank `rank`'s micro-batches for one epoch, in order: `accumulation` per full step.

    The last step of an epoch holds what is left: each rank gets the same number of units (at most
    world_size - 1 are left for the next epoch's shuffle) in `ceil(share / per_device)` micro-batches,
    so every rank runs the same number of forward/backward passes.
    """
    order = epoch_order(len(units), seed, epoch)
    per_rank = shape.units_per_step // shape.world_size
    out: list[MicroBatch] = []
    for start in range(0, len(order), shape.units_per_step):
        step = order[start:start + shape.units_per_step]
        share = len(step) // shape.world_size
        if share == 0:
            break
        step = step[:share * shape.world_size]
        tokens = sum(unit_tokens[u] for u in step)
        mine = step[rank * share:(rank + 1) * share]
        parts = shape.accumulation if share == per_rank else math.ceil(share / shape.per_device)
        for piece in _chunks(mine, parts):
            out.append(MicroBatch(tuple(tuple(units[u]) for u in piece), tokens))
    return out


def steps_per_epoch(n_units: int, shape: StepShape) -> int:
    """Optimizer steps in one epoch: the full steps, and a last one when at least one unit per rank is left."""
    full, left = divmod(n_units, shape.units_per_step)
    return full + (left >= shape.world_size)


def describe(n_units: int, shape: StepShape, batching: str) -> dict:
    """What the start of training logs: units per step, steps per epoch, micro-batches per step."""
    return {"batching": batching, f"{batching}_per_step": shape.units_per_step,
            "optimizer_steps_per_epoch": steps_per_epoch(n_units, shape),
            "micro_batches_per_step": shape.accumulation, "per_device_micro_batch": shape.per_device,
            "processes": shape.world_size}
