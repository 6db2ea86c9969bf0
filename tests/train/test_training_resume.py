"""Checkpoint/resume and bad input in training (tiny model, CPU)."""

import json
import re

import pytest
import torch
from safetensors.torch import load_file

import train
from medqa.train.trainer import MedqaTrainer
from tests.helpers.synthetic import write_blob_dataset


def _args(model, data, out, *extra):
    return ["--model", str(model), "--data", str(data), "--fold", "0", "--output_dir", str(out),
            "--max_steps", "6", "--save_steps", "3", "--per_device_train_batch_size", "2",
            "--gradient_accumulation_steps", "1", "--learning_rate", "1e-3", "--lora_r", "8",
            "--logging_steps", "1", "--max_length", "400", "--disable_tqdm", "true", "--seed", "0", *extra]


def _log(out):
    return [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]


def test_resume_after_a_crash_repeats_and_loses_no_step(tiny_model, tmp_path, monkeypatch):
    data = write_blob_dataset(tmp_path / "data", n_per_fold=12, folds=2)
    train.main(_args(tiny_model, data, tmp_path / "a"))

    calls = {"n": 0}
    original = MedqaTrainer.compute_loss

    def crashing(self, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # step 5, after checkpoint-3 was written
            raise RuntimeError("simulated crash")
        return original(self, *a, **kw)

    monkeypatch.setattr(MedqaTrainer, "compute_loss", crashing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train.main(_args(tiny_model, data, tmp_path / "b"))
    assert (tmp_path / "b" / "checkpoint-3" / "medqa_conversation.json").is_file()
    monkeypatch.setattr(MedqaTrainer, "compute_loss", original)
    summary = train.main(_args(tiny_model, data, tmp_path / "b", "--resume", "true"))

    assert summary["global_step"] == 6
    a_log, b_log = _log(tmp_path / "a"), _log(tmp_path / "b")
    assert [e["step"] for e in b_log] == [1, 2, 3, 4, 5, 6]
    assert [e["loss"] for e in b_log] == pytest.approx([e["loss"] for e in a_log], rel=1e-4)
    wa = load_file(tmp_path / "a" / "adapter_model.safetensors")
    wb = load_file(tmp_path / "b" / "adapter_model.safetensors")
    assert wa.keys() == wb.keys()
    assert all(torch.allclose(wa[k], wb[k], atol=1e-6) for k in wa)


def test_bad_samples_are_skipped_and_counted(tiny_model, tmp_path, capsys):
    data = write_blob_dataset(tmp_path / "data", n_per_fold=6, folds=2)
    (data / "images" / "f1_0.png").write_bytes(b"not a png at all")
    summary = train.main(_args(tiny_model, data, tmp_path / "out", "--max_steps", "1"))
    assert summary["skipped"] == {"unreadable image": 1}
    assert summary["samples"] == 5
    with pytest.raises(SystemExit):
        train.main(_args(tiny_model, data, tmp_path / "out2", "--max_steps", "1", "--max_length", "20"))
    err = capsys.readouterr().err
    assert "no usable sample" in err and "'over-long sample': 5" in err and "'unreadable image': 1" in err


def test_clear_errors_before_any_work(tiny_model, tmp_path, capsys):
    data = write_blob_dataset(tmp_path / "data", n_per_fold=4, folds=2)
    sparse = write_blob_dataset(tmp_path / "sparse", n_per_fold=2, folds=3)
    (sparse / "fold_2.jsonl").write_text("")  # more folds than patients: the build leaves one empty
    for args, message in (
        (_args(tiny_model, sparse, tmp_path / "o", "--fold", "2"), r"fold\(s\) 2 \(held out\) of .* have no records"),
        (_args(tiny_model, sparse, tmp_path / "o", "--fold", "0"), r"fold\(s\) 2 \(to train on\) .* fewer --folds"),
        (_args(tiny_model, data, tmp_path / "o", "--fold", "7"), r"out of range: this dataset has folds 0-1"),
        (_args(tiny_model, tmp_path / "nowhere", tmp_path / "o"), "build the dataset first"),
        (_args(tiny_model, data, tmp_path / "o", "--method", "dora"), "--method must be lora, qlora or full"),
        (_args("no-such/model", data, tmp_path / "o"), "cannot load model 'no-such/model'"),
    ):
        with pytest.raises(SystemExit) as stop:
            train.main(args)
        assert stop.value.code == 2 and re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_a_file_that_vanishes_mid_run_is_dropped_not_fatal(tiny_model, tmp_path):
    from medqa.core.modeling import load_model
    from medqa.data.folds import read_folds
    from medqa.train.collate import SampleEncoder
    from medqa.train.steps import resolve_step
    from medqa.train.trainer import StepDataset

    data = write_blob_dataset(tmp_path / "data", n_per_fold=4, folds=1)
    loaded = load_model(str(tiny_model))
    records = read_folds(data, [0])
    dataset = StepDataset(records, [[i] for i in range(4)], [1] * 4, SampleEncoder(loaded.processor, loaded.fmt, data),
                          resolve_step(2, None, 4, 1), 0, seed=0)
    first = [j for unit in dataset.plan(0)[0].units for j in unit]
    (data / records[first[1]]["images"][0]).unlink()
    units, tokens = dataset[0]
    assert len(units) == 1 and tokens == 4
    (data / records[first[0]]["images"][0]).unlink()
    units, _ = dataset[0]
    assert len(units) == 2  # the whole micro-batch is gone: the next one's samples are served instead
