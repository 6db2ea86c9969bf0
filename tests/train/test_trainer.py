"""MedqaTrainer's loss on every transformers the requirements allow, the frozen vision tower, QLoRA's checkpointing.

CI runs this file a second time on the lowest allowed versions (transformers 5.17, peft 0.21): see .ci/run.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from medqa.core.conversation import ConversationFormat
from medqa.core.modeling import ImageBudget, load_model, rope_index_fn
from medqa.data.folds import read_folds
from medqa.train.collate import SampleEncoder, pack_rows
from medqa.train.config import DataArguments, MedqaTrainingArguments, ModelArguments
from medqa.train.run import check_args
from medqa.train.trainer import MedqaTrainer, apply_method, vision_towers
from tests.helpers.synthetic import blob_film, write_blob_dataset

FMT = ConversationFormat()


def _records(n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    answers = ["有。", "没有病灶，双肺清晰。", "右肺下野可见结节影。"]
    return [{"id": str(i), "images": [blob_film(i % 2 == 0, rng)],
             "messages": FMT.conversation([("有没有病灶？", answers[i % 3]), ("在哪里？", "右肺。" * (i + 1))])}
            for i in range(n)]


def _packed_batch(loaded):
    """Two packed rows of different lengths and labelled positions (so the rows' label sets differ)."""
    encoder = SampleEncoder(loaded.processor, FMT, rope_index=rope_index_fn(loaded.model))
    samples = [encoder(r) for r in _records(5)]
    return pack_rows([samples[:3], samples[3:]], loaded.tokenizer.pad_token_id)


def _reference_loss(model, batch) -> torch.Tensor:
    """Mean cross-entropy over the labelled positions from the full logits (no `logits_to_keep`)."""
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**inputs, use_cache=False).logits[:, :-1]
    keep = labels[:, 1:] != -100
    return torch.nn.functional.cross_entropy(logits[keep].float(), labels[:, 1:][keep])


def test_loss_on_labelled_positions_equals_the_full_logits_loss(tiny_model):
    """The loss 5.17 crashed on ("too many indices for tensor of dimension 3"), now equal to the full-logits one."""
    loaded = load_model(str(tiny_model), dtype=torch.float32, budget=ImageBudget(56 * 56, 112 * 112))
    model = loaded.model.eval()
    batch = _packed_batch(loaded)
    keep = batch["labels"][:, 1:] != -100
    assert keep.sum(1).tolist()[0] != keep.sum(1).tolist()[1]  # rows with their own labelled positions
    with torch.no_grad():
        ours = MedqaTrainer.compute_loss(None, model, dict(batch))
        reference = _reference_loss(model, batch)
    torch.testing.assert_close(ours, reference, rtol=1e-6, atol=1e-6)


def _lora_gradients(tiny_model, blobs, guard: bool):
    """(LoRA gradients, vision output grad_fn, vision blocks that recorded a graph) of one checkpointed step."""
    torch.manual_seed(0)
    loaded = load_model(str(tiny_model), dtype=torch.float32)
    loaded.model.gradient_checkpointing_enable()  # as the Trainer does: hooks the vision patch embedding too
    model = apply_method(loaded, ModelArguments(method="lora", lora_dropout=0.0),
                         SimpleNamespace(gradient_checkpointing=True)).train()
    (tower,) = vision_towers(model)
    if not guard:
        for hooks in (tower._forward_pre_hooks, tower._forward_hooks):
            hooks.clear()
    seen = {"blocks": 0}
    tower.register_forward_hook(lambda mod, args, out: seen.update(out=out.pooler_output))

    def count_graph(mod, args, out):
        seen["blocks"] += out.grad_fn is not None

    for block in tower.blocks:
        block.register_forward_hook(count_graph)
    encoder = SampleEncoder(loaded.processor, loaded.fmt, blobs, rope_index=rope_index_fn(loaded.model))
    samples = [encoder(r) for r in read_folds(blobs, [0])[:4]]
    loss = MedqaTrainer.compute_loss(None, model, pack_rows([samples[:2], samples[2:]], loaded.tokenizer.pad_token_id))
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    return grads, seen["out"].grad_fn, seen["blocks"]


def test_frozen_vision_tower_builds_no_graph_and_lora_gradients_are_unchanged(tiny_model, tmp_path):
    blobs = write_blob_dataset(tmp_path / "blobs", n_per_fold=4, folds=2)
    guarded, out_fn, blocks = _lora_gradients(tiny_model, blobs, guard=True)
    unguarded, raw_out_fn, raw_blocks = _lora_gradients(tiny_model, blobs, guard=False)
    # Without the guard the frozen tower records a graph through every block (what the guard removes).
    assert raw_out_fn is not None and raw_blocks == 2
    assert out_fn is None and blocks == 0
    assert guarded.keys() == unguarded.keys() and any(g.abs().sum() > 0 for g in guarded.values())
    assert all(torch.equal(guarded[k], unguarded[k]) for k in guarded)


def test_unfrozen_vision_tower_still_trains(tiny_model):
    loaded = load_model(str(tiny_model), dtype=torch.float32)
    model = apply_method(loaded, ModelArguments(method="full", train_vision=True),
                         SimpleNamespace(gradient_checkpointing=False))
    (tower,) = vision_towers(model)
    cfg = loaded.model.config.vision_config
    pixels = torch.randn(16, cfg.in_channels * cfg.temporal_patch_size * cfg.patch_size**2)
    out = tower(pixels, grid_thw=torch.tensor([[1, 4, 4]]))
    assert out.pooler_output.requires_grad


@pytest.mark.parametrize(("method", "given", "expected"), [
    ("qlora", [], True), ("qlora", ["--gradient_checkpointing", "false"], False), ("lora", [], False),
    ("lora", ["--gradient_checkpointing", "true"], True)])
def test_qlora_turns_checkpointing_on_unless_told_otherwise(tmp_path, method, given, expected):
    import train

    data = write_blob_dataset(tmp_path / "blobs", n_per_fold=2, folds=2)
    margs, dargs, targs = train.parse_args(["--data", str(data), "--method", method, "--output_dir",
                                            str(tmp_path / "out"), *given])
    check_args(margs, dargs, targs)
    assert bool(targs.gradient_checkpointing) is expected
    assert isinstance(targs, MedqaTrainingArguments) and isinstance(dargs, DataArguments)
