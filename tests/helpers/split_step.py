"""One optimizer step through `medqa.train.run.run_training`, with the step's gradients captured.

Used in-process by tests/train/test_split_invariance.py and as a script under `torchrun` for the
2-process case: `torchrun --nproc_per_node 2 tests/helpers/split_step.py TRAIN.PY OPTIONS...`. Rank 0 saves
the last step's gradients (after data parallel's all-reduce every rank holds the same) to OUTPUT_DIR/grads.pt.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402


class GradCapture(TrainerCallback):
    """Keeps the trainable parameters' gradients just before the optimizer steps."""

    def __init__(self) -> None:
        self.grads: dict[str, torch.Tensor] = {}

    def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
        self.grads = {n: p.grad.detach().clone().cpu() for n, p in model.named_parameters() if p.grad is not None}


def step_args(model, data, out, batch: int, accumulation: int | None, packing: bool, *extra: str) -> list[str]:
    """train.py options for exactly one step at lr 0 with no clipping: the step's loss and gradients as they are."""
    args = ["--model", str(model), "--data", str(data), "--fold", "0", "--output_dir", str(out),
            "--lora_r", "8", "--lora_alpha", "16", "--lora_dropout", "0", "--max_steps", "1",
            "--learning_rate", "0", "--max_grad_norm", "1e9", "--warmup_steps", "0",
            "--per_device_train_batch_size", str(batch), "--packing", str(packing).lower(), "--max_length", "400",
            "--logging_steps", "1", "--save_strategy", "no", "--seed", "0", "--disable_tqdm", "true",
            "--report_to", "none", "--dataloader_num_workers", "0", *extra]
    if accumulation is not None:
        args += ["--gradient_accumulation_steps", str(accumulation)]
    return args


def one_step(args: list[str]) -> tuple[dict, dict[str, torch.Tensor]]:
    """(the step's logged entry: loss, grad_norm, ...; the gradients) of one run of train.py's options."""
    import json

    import train
    from medqa.train.run import run_training

    capture = GradCapture()
    margs, dargs, targs = train.parse_args(args)
    run_training(margs, dargs, targs, callbacks=[capture])
    log = Path(targs.output_dir) / "train_log.jsonl"
    entry = json.loads(log.read_text().splitlines()[-1]) if log.is_file() else {}
    return entry, capture.grads


def hand_loss(model_dir, data) -> float:
    """Mean cross-entropy over every labelled token of the 16 training samples, each sample alone, full logits."""
    from medqa.core.modeling import load_model
    from medqa.data.folds import read_folds
    from medqa.train.collate import SampleEncoder

    loaded = load_model(str(model_dir), dtype=torch.float32)
    encoder = SampleEncoder(loaded.processor, loaded.fmt, data, 400)
    per_token = []
    with torch.no_grad():
        for record in read_folds(data, [1]):
            s = encoder(record)
            inputs = {"input_ids": s.input_ids[None], "attention_mask": torch.ones_like(s.input_ids)[None],
                      "pixel_values": s.pixel_values, "image_grid_thw": s.image_grid_thw}
            if s.mm_token_type_ids is not None:
                inputs["mm_token_type_ids"] = s.mm_token_type_ids[None]
            logits = loaded.model(**inputs).logits[0, :-1].float()
            keep = s.labels[1:] != -100
            per_token.append(torch.nn.functional.cross_entropy(logits[keep], s.labels[1:][keep], reduction="none"))
    counts = [len(t) for t in per_token]
    assert len(set(counts)) > 3, counts  # the samples really carry different numbers of labelled tokens
    return torch.cat(per_token).mean().item()


if __name__ == "__main__":
    args = sys.argv[1:]
    entry, grads = one_step(args)
    if torch.distributed.is_initialized() and torch.distributed.get_rank() == 0:
        torch.save(grads, Path(args[args.index("--output_dir") + 1]) / "grads.pt")
