"""Checkpoint/resume and bad input in training (tiny model, CPU)."""

import json

import pytest
import torch
from safetensors.torch import load_file

import train
from medqa.modeling import ModelLoadError
from medqa.synthetic import write_blob_dataset
from medqa.training import MedqaTrainer


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


def test_bad_samples_are_skipped_and_counted(tiny_model, tmp_path):
    data = write_blob_dataset(tmp_path / "data", n_per_fold=6, folds=2)
    (data / "images" / "f1_0.png").write_bytes(b"not a png at all")
    summary = train.main(_args(tiny_model, data, tmp_path / "out", "--max_steps", "1"))
    assert summary["skipped"] == {"unreadable image": 1}
    assert summary["samples"] == 5
    with pytest.raises(ValueError, match="no usable sample") as excinfo:
        train.main(_args(tiny_model, data, tmp_path / "out2", "--max_steps", "1", "--max_length", "20"))
    assert "'over-long sample': 5" in str(excinfo.value) and "'unreadable image': 1" in str(excinfo.value)


def test_clear_errors_before_any_work(tiny_model, tmp_path):
    data = write_blob_dataset(tmp_path / "data", n_per_fold=4, folds=2)
    with pytest.raises(ValueError, match=r"out of range: this dataset has folds 0-1"):
        train.main(_args(tiny_model, data, tmp_path / "o", "--fold", "7"))
    with pytest.raises(FileNotFoundError, match="build the dataset first"):
        train.main(_args(tiny_model, tmp_path / "nowhere", tmp_path / "o"))
    with pytest.raises(ValueError, match="--method must be lora, qlora or full"):
        train.main(_args(tiny_model, data, tmp_path / "o", "--method", "dora"))
    with pytest.raises(ModelLoadError, match="cannot load model 'no-such/model'"):
        train.main(_args("no-such/model", data, tmp_path / "o"))


def test_a_file_that_vanishes_mid_run_is_dropped_not_fatal(tiny_model, tmp_path):
    from medqa.collate import SampleEncoder
    from medqa.data.folds import read_folds
    from medqa.modeling import load_model
    from medqa.training import PackedDataset

    data = write_blob_dataset(tmp_path / "data", n_per_fold=4, folds=1)
    loaded = load_model(str(tiny_model))
    records = read_folds(data, [0])
    dataset = PackedDataset(records, [[0, 1], [2, 3]], SampleEncoder(loaded.processor, loaded.fmt, data))
    (data / records[1]["image"]).unlink()
    assert len(dataset[0]) == 1
    (data / records[0]["image"]).unlink()
    assert len(dataset[0]) == 2  # the whole row is gone: the next one is served instead
