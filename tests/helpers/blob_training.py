"""The blob task's LoRA run (tests.helpers.synthetic), shared by the training test and the image-ablation test.

`tests/conftest.py` trains it once per session (`blob_lora` fixture): both tests read the same
adapter, so proving that the ablation measures image use costs no second training run.
"""

from __future__ import annotations

from pathlib import Path

LORA_STEPS, LORA_LR = 200, 3e-3
BLOB_FOLDS, BLOB_PER_FOLD, BLOB_SEED = 3, 64, 0  # fold 0 held out, 128 training films


def train_args(model: str | Path, data: str | Path, out: str | Path, method: str, steps: int, lr: float) -> list[str]:
    """train.py's options for the blob task: fold 0 held out, 16 samples a step in one packed row, cosine, seed 0."""
    return ["--model", str(model), "--data", str(data), "--fold", "0", "--output_dir", str(out),
            "--method", method, "--lora_r", "16", "--lora_alpha", "32", "--lora_dropout", "0",
            "--max_steps", str(steps), "--learning_rate", str(lr), "--per_device_train_batch_size", "16",
            "--gradient_accumulation_steps", "1", "--packing", "true", "--max_length", "400",
            "--logging_steps", "10", "--save_steps", "10000", "--seed", "0", "--disable_tqdm", "true",
            "--report_to", "none"]
