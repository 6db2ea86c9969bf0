"""The step plan (medqa.train.steps): a step's samples do not depend on how it is split."""

import pytest

from medqa.train.steps import StepShape, describe, plan_epoch, resolve_step, steps_per_epoch

SPLITS = [(16, 1, 1), (2, 8, 1), (1, 16, 1), (4, 4, 1), (1, 8, 2), (2, 4, 2), (1, 4, 4)]


@pytest.mark.parametrize(("n", "per_device", "accumulation", "world"), [(n, *s) for n in (16, 37, 50) for s in SPLITS])
def test_each_step_holds_the_same_units_whatever_the_split(n, per_device, accumulation, world):
    units = [[i] for i in range(n)]
    tokens = [3 + i % 5 for i in range(n)]
    reference = plan_epoch(units, tokens, resolve_step(16, 1, None, 1), 0, seed=7, epoch=2)
    shape = resolve_step(per_device, accumulation, None, world)
    plans = [plan_epoch(units, tokens, shape, rank, seed=7, epoch=2) for rank in range(world)]
    assert len({len(p) for p in plans}) == 1  # every rank runs as many forward/backward passes
    micro_per_step = shape.accumulation
    full_steps = n // 16
    for step in range(steps_per_epoch(n, shape)):
        lo, hi = step * micro_per_step, (step + 1) * micro_per_step
        mine = [mb for p in plans for mb in p[lo:hi]] if step < full_steps else [mb for p in plans for mb in p[lo:]]
        seen = [u for mb in mine for u in mb.units]
        assert len(seen) == len(set(seen))  # the ranks' shares are disjoint
        if step < full_steps:
            assert sorted(seen) == sorted(reference[step].units)
            assert all(len(mb.units) == per_device for mb in mine)
        assert {mb.step_tokens for mb in mine} == {sum(tokens[u[0]] for u in seen)}


def test_the_last_partial_step_leaves_fewer_units_than_processes():
    shape = resolve_step(1, 8, None, 2)
    plans = [plan_epoch([[i] for i in range(21)], [1] * 21, shape, r, 0, 0) for r in range(2)]
    seen = [u for p in plans for mb in p for u in mb.units]
    assert len(seen) == 20 and len(set(seen)) == 20  # 16 + 4; one unit waits for the next epoch's order
    assert steps_per_epoch(21, shape) == 2 and len(plans[0]) == len(plans[1]) == 8 + 2


def test_epochs_reshuffle_with_the_seed():
    shape = resolve_step(2, 8, None, 1)
    units = [[i] for i in range(32)]
    first = [mb.units for mb in plan_epoch(units, [1] * 32, shape, 0, 0, 0)]
    assert first == [mb.units for mb in plan_epoch(units, [1] * 32, shape, 0, 0, 0)]
    assert first != [mb.units for mb in plan_epoch(units, [1] * 32, shape, 0, 0, 1)]
    assert first != [mb.units for mb in plan_epoch(units, [1] * 32, shape, 0, 1, 0)]


def test_accumulation_follows_from_the_step_by_default():
    assert resolve_step(2, None, None, 1) == StepShape(16, 2, 1) and StepShape(16, 2, 1).accumulation == 8
    assert resolve_step(4, None, None, 1).accumulation == 4
    assert resolve_step(1, None, None, 2).accumulation == 8
    assert resolve_step(1, 4, None, 1).units_per_step == 4  # accumulation given: the step is what it makes
    assert resolve_step(8, None, 32, 2).accumulation == 2


@pytest.mark.parametrize(("args", "message"), [
    ((3, None, None, 1), "not a multiple of --per_device_train_batch_size 3"),
    ((2, 4, 16, 1), "--gradient_accumulation_steps 4 x --per_device_train_batch_size 2"),
    ((0, None, None, 1), "must be >= 1")])
def test_splits_that_cannot_make_whole_steps_are_refused(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        resolve_step(*args)


def test_description_logged_at_the_start():
    info = describe(5400, resolve_step(2, None, None, 1), "samples")
    assert info == {"batching": "samples", "samples_per_step": 16, "optimizer_steps_per_epoch": 338,
                    "micro_batches_per_step": 8, "per_device_micro_batch": 2, "processes": 1}
