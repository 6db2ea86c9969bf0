"""Training logs: loss and learning rate as JSONL, a smoothed loss curve PNG, and the files saved per checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

from transformers import TrainerCallback


class JsonlLogger(TrainerCallback):
    """Appends one JSON line per logging step (step, epoch, loss, learning_rate, grad_norm).

    On resume, lines past the checkpoint's step (written by the run that died) are dropped first,
    so every step appears exactly once.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def on_train_begin(self, args, state, control, **kwargs):
        if not args.should_save or not self.path.is_file():
            return
        lines = [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines() if x.strip()]
        kept = [x for x in lines if x.get("step", 0) <= state.global_step]
        self.path.write_text("".join(json.dumps(x) + "\n" for x in kept), encoding="utf-8")

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not args.should_save or not logs or "loss" not in logs:
            return
        entry = {"step": state.global_step, "epoch": state.epoch, **logs}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


class SaveFormatCallback(TrainerCallback):
    """Writes the conversation format, image budget and processor into every checkpoint folder."""

    def __init__(self, loaded) -> None:
        self.loaded = loaded

    def on_save(self, args, state, control, **kwargs):
        if not args.should_save:
            return
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            self.loaded.fmt.save(folder)
            self.loaded.budget.save(folder, self.loaded.model_id)
            self.loaded.processor.save_pretrained(folder)


def read_log(path: str | Path) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """Exponential moving average with bias correction (TensorBoard-style smoothing)."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight**i))
    return out


def plot_loss_curve(log_path: str | Path, png_path: str | Path) -> Path | None:
    """The training loss against step, raw and smoothed, like the paper's Figure 3."""
    if not Path(log_path).is_file():
        return None
    entries = read_log(log_path)
    if not entries:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [e["step"] for e in entries]
    losses = [e["loss"] for e in entries]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    ax.plot(steps, losses, alpha=0.3, label="loss")
    ax.plot(steps, smooth(losses), label="smoothed (EMA 0.9)")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)
    return Path(png_path)
