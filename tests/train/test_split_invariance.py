"""One optimizer step gives the same loss and gradients however it is split: batch x accumulation x processes,
packed or padded (issue 19), checked against per-token losses computed by hand.

A step of the paper (16 samples) on a dataset of exactly 16 training samples whose answers differ in length,
so a mean per micro-batch (the gradient-accumulation bug) would weigh tokens wrongly and fail here. lr 0
and no clipping: the logged loss and gradient norm are the step's own. CI runs this file on the lowest
(transformers 5.17) and the newest allowed versions.
"""

import json
import os
import subprocess
import sys

import pytest
import torch

from tests.helpers.net import free_port
from tests.helpers.paths import REPO
from tests.helpers.split_step import hand_loss, one_step, step_args
from tests.helpers.synthetic import write_blob_dataset

SPLITS = [(16, 1, True), (2, 8, True), (1, 16, True), (2, 8, False), (16, 1, False), (4, None, True)]


@pytest.fixture(scope="module")
def step_data(tmp_path_factory):
    return write_blob_dataset(tmp_path_factory.mktemp("steps"), n_per_fold=16, folds=2, seed=0, varied=True)


@pytest.fixture(scope="module")
def reference(tiny_model, step_data, tmp_path_factory):
    """(hand loss, the 16 x 1 padded step's log entry and gradients)."""
    entry, grads = one_step(step_args(tiny_model, step_data, tmp_path_factory.mktemp("ref"), 16, 1, False))
    return hand_loss(tiny_model, step_data), entry, grads


def assert_same_step(entry, grads, reference):
    hand, ref_entry, ref_grads = reference
    assert entry["loss"] == pytest.approx(hand, rel=1e-5)
    assert entry["grad_norm"] == pytest.approx(ref_entry["grad_norm"], rel=1e-5)
    assert grads.keys() == ref_grads.keys() and len(grads) > 0
    for name, g in grads.items():
        torch.testing.assert_close(g, ref_grads[name], rtol=1e-4, atol=1e-6, msg=name)
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values())).item()
    assert entry["grad_norm"] == pytest.approx(norm, rel=1e-5)  # the logged norm is of these gradients


@pytest.mark.parametrize(("batch", "accumulation", "packing"), SPLITS)
def test_one_step_is_the_same_for_every_split(tiny_model, step_data, reference, tmp_path, batch, accumulation,
                                              packing):
    entry, grads = one_step(step_args(tiny_model, step_data, tmp_path / "out", batch, accumulation, packing))
    assert entry["step"] == 1
    assert_same_step(entry, grads, reference)


def torchrun(*args: str, nproc: int = 2) -> subprocess.CompletedProcess:
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
                           "--master_addr", "127.0.0.1", "--master_port", str(free_port()), *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_two_processes_equal_one_process_with_the_whole_step(tiny_model, step_data, reference, tmp_path):
    """2 CPU processes (gloo) x batch 1 x accumulation 8: each rank reads half the step; one writer."""
    out = tmp_path / "ddp"
    run = torchrun(str(REPO / "tests/helpers/split_step.py"), *step_args(tiny_model, step_data, out, 1, 8, True))
    assert run.returncode == 0, run.stderr[-3000:]
    log = (out / "train_log.jsonl").read_text().splitlines()
    assert len(log) == 1  # only rank 0 writes the log (two writers would give two lines)
    entry = json.loads(log[0])
    assert_same_step(entry, torch.load(out / "grads.pt"), reference)
    assert (out / "adapter_model.safetensors").is_file() and (out / "loss_curve.png").is_file()


def test_two_processes_resume_where_one_process_would_be(tiny_model, step_data, tmp_path):
    """Step 2 of a 2-process run resumed from its step-1 checkpoint equals step 2 of one process's run."""
    learn = ["--learning_rate", "1e-2", "--lr_scheduler_type", "constant", "--save_strategy", "steps",
             "--save_steps", "1"]
    entry, _ = one_step(step_args(tiny_model, step_data, tmp_path / "one", 2, 8, True, "--max_steps", "2", *learn))
    out = tmp_path / "ddp"
    script = str(REPO / "tests/helpers/split_step.py")
    first = torchrun(script, *step_args(tiny_model, step_data, out, 1, 8, True, *learn))
    assert first.returncode == 0, first.stderr[-3000:]
    assert (out / "checkpoint-1").is_dir()
    resumed = torchrun(script, *step_args(tiny_model, step_data, out, 1, 8, True, "--max_steps", "2", "--resume",
                                          "true", *learn))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == [1, 2]  # resumed at step 2, each step logged once
    assert log[1]["loss"] == pytest.approx(entry["loss"], rel=1e-4)
    assert log[1]["grad_norm"] == pytest.approx(entry["grad_norm"], rel=1e-4)
