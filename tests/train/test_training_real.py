"""Training on real Q&A built from the shared Open-i reports and images: the loss falls."""

import json

import train
from medqa.data.cli import main as build_main
from tests.helpers.paths import OPENI


def test_loss_falls_on_real_reports_and_images(tiny_model, tmp_path):
    assert (OPENI / "indiana_reports.csv").is_file(), f"real Open-i data missing at {OPENI}"
    data = tmp_path / "openi-zh"
    assert build_main(["build", "--reports", str(OPENI / "indiana_reports.csv"), "--out", str(data),
                       "--images-dir", str(OPENI / "images"), "--folds", "2"]) == 0
    out = tmp_path / "run"
    summary = train.main(["--model", str(tiny_model), "--data", str(data), "--train_folds", "0-1",
                          "--output_dir", str(out), "--max_steps", "30", "--learning_rate", "2e-3",
                          "--per_device_train_batch_size", "1", "--gradient_accumulation_steps", "1",
                          "--lora_r", "16", "--lora_alpha", "32", "--max_pixels", str(112 * 112),
                          "--min_pixels", str(56 * 56), "--max_length", "1800", "--logging_steps", "1",
                          "--save_steps", "1000", "--lr_scheduler_type", "constant", "--disable_tqdm", "true",
                          # One sample a step: on CPU a packed row pays dense T^2 attention (packing's
                          # gain needs varlen flash attention on a GPU), and the test is about learning.
                          "--packing", "false"])
    assert summary["samples"] == 6 and summary["skipped"] == {}
    losses = [json.loads(x)["loss"] for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert len(losses) == 30
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.7 * first, (first, last)
    assert (out / "loss_curve.png").stat().st_size > 10_000
