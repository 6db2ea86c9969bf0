"""Training throughput: medqa's training step against the naive route, LoRA and QLoRA, on the dataset's real lengths.

    python bench/train_throughput.py --tiny                                 # CPU smoke run, tiny model
    python bench/train_throughput.py --samples 256 --out $OUT/train.json    # one H100/H200, 7B shape

The model is the Qwen2.5-VL-7B-Instruct shape with random weights (no download; random weights cost the
same FLOPs), or medqa.tiny's with --tiny. Samples come from the rule-generated dataset built from the
Open-i reports; every route trains on the same records (packed rows in a seeded random order, as the
Trainer draws them; --route-seconds caps each route's timed steps). Images are grey stand-ins of
the Open-i PNG sizes, and the tokenizer is calibrated to the real Qwen2 one; bench/README.md explains
both, the routes and the MFU formula. Routes: naive-lora, medqa-lora, naive-qlora, medqa-qlora, each
optionally with "+gc" (checkpointing forced on).
Issue targets on one H100/H200: medqa >= 3x naive samples/s at no more memory; QLoRA peak <= 16 GiB.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from flops import FlopCounts  # noqa: E402
from PIL import Image  # noqa: E402
from shapes import qwen2_5_vl_7b_config  # noqa: E402

from medqa.core import modeling  # noqa: E402
from medqa.core.conversation import ConversationFormat, message_text, record_images  # noqa: E402
from medqa.core.files import write_atomic  # noqa: E402
from medqa.data.build import build_dataset  # noqa: E402
from medqa.data.config import BuildArguments  # noqa: E402
from medqa.data.rule import RuleGenerator  # noqa: E402
from medqa.tiny import build_tiny_model  # noqa: E402
from medqa.train import trainer as medqa_trainer  # noqa: E402
from medqa.train.collate import SampleEncoder, pad_collate, rope_index_fn  # noqa: E402
from medqa.train.encode import encode_all  # noqa: E402
from medqa.train.steps import StepShape  # noqa: E402
from medqa.train.trainer import MedqaTrainer, ModelArguments, apply_method, make_collator  # noqa: E402

DEFAULT_REPORTS = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"
# BPE size at which the dataset's text lengths match the real Qwen2 tokenizer's (bench/README.md).
CALIBRATED_VOCAB = 580
OPENI_SIZES = [(512, 512), (512, 512), (512, 492), (512, 362), (512, 633)]  # (w, h): the Open-i PNGs in shared/
ROUTES = ("naive-lora", "medqa-lora", "naive-qlora", "medqa-qlora")


@dataclass(frozen=True)
class Route:
    """One way of training: padded or packed batches, LoRA or QLoRA, checkpointing on or off."""

    name: str
    packed: bool
    qlora: bool
    gc: bool


def parse_routes(spec: str, want_qlora: bool, medqa_gc: bool) -> list[Route]:
    """Routes from 'naive-lora,medqa-lora+gc,...'; 'auto': the LoRA pair, plus the QLoRA pair if wanted."""
    names = ROUTES[:2] + (ROUTES[2:] if want_qlora else ()) if spec == "auto" else spec.split(",")
    routes = []
    for name in names:
        base = name.removesuffix("+gc")
        if base not in ROUTES:
            raise SystemExit(f"unknown route {name!r}: use {', '.join(ROUTES)}, optionally with +gc")
        packed = base.startswith("medqa")
        routes.append(Route(name, packed, base.endswith("qlora"), name.endswith("+gc") or not packed or medqa_gc))
    return routes


def load_records(reports: Path, n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Build the rule dataset (all folds) from the reports; returns (all records, n drawn with `seed`)."""
    if not reports.is_file():
        raise SystemExit(f"--reports {reports} not found (indiana_projections.csv must sit beside it)")
    logging.getLogger("medqa").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as out:
        result = build_dataset(BuildArguments(reports, Path(out), reports.with_name("indiana_projections.csv")),
                               RuleGenerator())
    records = [r for k in sorted(result.folds) for r in result.folds[k]]
    return records, random.Random(seed).sample(records, min(n, len(records)))


def tokenizer_corpus(records: list[dict], fmt: ConversationFormat) -> list[str]:
    """The calibration corpus: each conversation as the template renders it, minus markers, and each message."""
    plain = [f"system\n{fmt.system_prompt}\n" + "".join(f"{m['role']}\n{message_text(m)}\n" for m in r["messages"])
             for r in records]
    return plain + [message_text(m) for r in records for m in r["messages"]]


def with_grey_image(record: dict, index: int) -> dict:
    """The record with each image (a path in its `images`) replaced by a grey image of an Open-i PNG size."""
    image = Image.new("RGB", OPENI_SIZES[index % len(OPENI_SIZES)], (128, 128, 128))
    return {**record, "images": [image for _ in record_images(record)]}


def model_config(tiny_dir: Path, tiny: bool, tokenizer):
    """The tiny checkpoint's config, or the 7B shape with its special-token ids taken from `tokenizer`."""
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(tiny_dir) if tiny else qwen2_5_vl_7b_config(tokenizer)


def build_model(config, device: str, dtype: torch.dtype, qlora: bool):
    """Random-weight model on `device`; with `qlora`, its linears 4-bit nf4 with medqa's config."""
    from transformers import AutoModelForImageTextToText

    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForImageTextToText.from_config(config, dtype=dtype).to(device)  # no-op if built there
    if qlora:
        quantize_4bit(model, device, dtype)
    return model


def quantize_4bit(model, device: str, dtype: torch.dtype) -> None:
    """Swap each nn.Linear outside QUANT_SKIP_MODULES for a bitsandbytes Linear4bit, as the HF quantizer does."""
    import bitsandbytes as bnb

    qc = modeling.quantization_config("4bit", dtype)
    kw = dict(quant_type=qc.bnb_4bit_quant_type, compress_statistics=qc.bnb_4bit_use_double_quant)
    for parent_name, parent in list(model.named_modules()):
        for name, child in list(parent.named_children()):
            full = f"{parent_name}.{name}" if parent_name else name
            if type(child) is not torch.nn.Linear or any(full == s or full.startswith(s + ".")
                                                         for s in modeling.QUANT_SKIP_MODULES):
                continue
            new = bnb.nn.Linear4bit(child.in_features, child.out_features, child.bias is not None,
                                    compute_dtype=qc.bnb_4bit_compute_dtype, device="meta", **kw)
            new.weight = bnb.nn.Params4bit(child.weight.data, requires_grad=False, module=new, **kw).to(device)
            new.bias = child.bias
            setattr(parent, name, new)
    model.is_loaded_in_4bit = True  # set by from_pretrained; peft and prepare_model_for_kbit_training read it


def wrap(model, route: Route, processor):
    """Checkpointing or kbit preparation, then LoRA (r 64, alpha 16): plain peft (naive) or medqa's apply_method.

    medqa's adds the no-autograd guard on the frozen vision tower; a plain HF + peft run has none, so its
    checkpointed tower records a graph and runs a backward (enable_input_require_grads hooks its patch embedding).
    """
    margs = ModelArguments(method="qlora" if route.qlora else "lora")
    if route.qlora and not route.packed:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)  # fp32 casts, checkpointing on (is_loaded_in_4bit)
    elif route.gc:
        enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
        enable()
    if not route.packed:
        from peft import LoraConfig, get_peft_model

        return get_peft_model(model, LoraConfig(r=margs.lora_r, lora_alpha=margs.lora_alpha, task_type="CAUSAL_LM",
                                                lora_dropout=margs.lora_dropout, target_modules=margs.lora_target))
    loaded = modeling.LoadedModel(model, processor, ConversationFormat(), modeling.ImageBudget(), "qwen2.5-vl-shape")
    return apply_method(loaded, margs, SimpleNamespace(gradient_checkpointing=route.gc))


def batch_stats(batch: dict, packed: bool) -> dict:
    """A collated micro-batch's sample lengths, image patches and projected positions (for MFU and the table)."""
    keep = batch["labels"][:, 1:] != -100
    if packed:  # text positions restart at 0 at each sample of the row
        pos = batch["position_ids"][0, 0] if batch["position_ids"].dim() == 3 else batch["position_ids"][0]
        starts = [*(pos == 0).nonzero()[:, 0].tolist(), pos.numel()]
        lengths = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    else:
        lengths = batch["attention_mask"].sum(1).tolist()
    grid = batch.get("image_grid_thw")
    return {"samples": len(lengths), "tokens": sum(lengths), "positions": batch["input_ids"].numel(),
            "lengths": lengths, "patches": [int(g.prod()) for g in grid] if grid is not None else [],
            "head_positions": int(keep.any(0).sum()) * keep.shape[0] if packed else sum(lengths)}


def make_loader(ctx: SimpleNamespace, route: Route):
    """The micro-batches as training reads them, encoding on the fly: medqa's step plan, collator and loader
    (`--workers` processes), or the naive route's plain DataLoader (padded, encoded in the main process)."""
    args, records = ctx.args, ctx.records
    if route.packed:
        shape = StepShape(args.samples_per_step, args.micro_batch, 1)
        units = [[i] for i in range(len(records))]
        dataset = medqa_trainer.StepDataset(records, units, [1] * len(records), ctx.encoder, shape, 0, args.seed)
        sampler = medqa_trainer.StepBatchSampler(len(dataset))
        loader = medqa_trainer.StepLoader(dataset, batch_sampler=sampler, num_workers=args.workers,
                                          collate_fn=make_collator(True, "samples", ctx.pad_id),
                                          prefetch_factor=4 if args.workers else None)
        return loader, shape.accumulation
    order = list(range(len(records)))
    random.Random(args.seed).shuffle(order)
    loader = torch.utils.data.DataLoader(
        [records[i] for i in order], batch_size=args.batch, num_workers=0,
        collate_fn=lambda rs: pad_collate([ctx.encoder(r) for r in rs], ctx.pad_id))
    return loader, max(1, args.samples_per_step // args.batch)


def paged_state_gib(optimizer) -> float:
    """Optimizer state in CUDA managed (paged) memory, which max_memory_allocated does not count."""
    return sum(t.numel() * t.element_size() for state in optimizer.state.values() for t in state.values()
               if torch.is_tensor(t) and getattr(t, "is_paged", False)) / 2**30


def micro_step(model, batch: dict, packed: bool, device: str) -> float:
    """Forward and backward of one micro-batch: medqa's loss when packed, the model's otherwise."""
    batch = {k: v.to(device) for k, v in batch.items() if k != "step_tokens"}
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):  # Trainer's bf16=True
        loss = MedqaTrainer.compute_loss(None, model, batch) if packed else model(**batch, use_cache=False).loss
    loss.backward()
    return float(loss.detach())


def optimizer_step(model, optimizer) -> None:
    """Clip (HF's default 1.0) and step."""
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def make_optimizer(model, route: Route, device: str):
    """AdamW at the paper's lr 1e-5; paged AdamW for QLoRA on CUDA, as medqa's check_args picks."""
    params = [p for p in model.parameters() if p.requires_grad]
    if route.qlora and device.startswith("cuda"):
        import bitsandbytes as bnb

        return bnb.optim.PagedAdamW32bit(params, lr=1e-5)
    return torch.optim.AdamW(params, lr=1e-5)


def timed_steps(model, loader, accumulation: int, optimizer, route: Route, ctx: SimpleNamespace) -> dict:
    """Optimizer steps over the loader (warm-up first), timing the wait for data apart from the step itself.

    Data wait: time blocked on the loader (encoding, when no worker has the batch ready). Compute: the
    forward, backward and optimizer step, synchronised on CUDA. Stops after --steps optimizer steps or
    once --route-seconds have passed (after 2 timed steps).
    """
    args, device, cuda = ctx.args, ctx.device, ctx.device.startswith("cuda")
    it = iter(loader)
    out = {"losses": [], "stats": [], "wait": 0.0, "steps": 0}
    start = None
    for step in range(args.warmup + (args.steps or 10**9)):
        if step == args.warmup:
            if cuda:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            out["wait"] = 0.0
            start = time.perf_counter()
        for _ in range(accumulation):
            t0 = time.perf_counter()
            batch = next(it, None)
            t1 = time.perf_counter()
            if batch is None:
                return out | {"seconds": time.perf_counter() - (start or t0)}
            loss = micro_step(model, batch, route.packed, device)
            if step >= args.warmup:
                out["stats"].append(batch_stats(batch, route.packed))
                out["wait"] += t1 - t0
        optimizer_step(model, optimizer)
        if cuda:
            torch.cuda.synchronize()
        if step >= args.warmup:
            out["losses"].append(loss)
            out["steps"] += 1
        if step >= args.warmup and args.route_seconds and out["steps"] >= 2 and \
                time.perf_counter() - start > args.route_seconds:
            break
    return out | {"seconds": time.perf_counter() - start}


def run_route(route: Route, ctx: SimpleNamespace) -> dict:
    """Build, wrap, then time warm-up and timed optimizer steps on the real data path."""
    args, device, cuda = ctx.args, ctx.device, ctx.device.startswith("cuda")
    model = wrap(build_model(ctx.config, device, ctx.dtype, route.qlora), route, ctx.processor).train()
    optimizer = make_optimizer(model, route, device)
    loader, accumulation = make_loader(ctx, route)
    run = timed_steps(model, loader, accumulation, optimizer, route, ctx)
    seconds, timed = run["seconds"], run["stats"]
    n, tokens = sum(s["samples"] for s in timed), sum(s["tokens"] for s in timed)
    flops = sum(ctx.flops.step(s["lengths"], s["patches"], s["head_positions"]) for s in timed)
    paged = paged_state_gib(optimizer)
    steps = max(run["steps"], 1)
    return {"route": route.name, "batching": "packed" if route.packed else "padded", "qlora": route.qlora,
            "checkpointing": route.gc, "micro_batch": args.micro_batch if route.packed else args.batch,
            "accumulation": accumulation, "workers": args.workers if route.packed else 0, "steps": run["steps"],
            "samples": n, "tokens": tokens,
            "padded_share": 1 - tokens / max(sum(s["positions"] for s in timed), 1), "seconds": seconds,
            "samples_per_s": n / seconds, "tokens_per_s": tokens / seconds,
            "data_wait_s_per_step": run["wait"] / steps, "compute_s_per_step": (seconds - run["wait"]) / steps,
            "mfu": flops / seconds / (args.peak_tflops * 1e12) if args.peak_tflops else None,
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30 + paged if cuda else None, "paged_gib": paged,
            "peak_reserved_gib": torch.cuda.max_memory_reserved() / 2**30 if cuda else None,
            "loss_first": run["losses"][0], "loss_last": run["losses"][-1]}


def prepare(args, workdir: Path) -> SimpleNamespace:
    """Records, calibrated processor, encoded samples, model config and the parameter counts for MFU."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    fmt = ConversationFormat()
    records, sample = load_records(args.reports, args.samples, args.seed)
    pixels = (56 * 56, 224 * 224) if args.tiny else (modeling.DEFAULT_MIN_PIXELS, modeling.DEFAULT_MAX_PIXELS)
    tiny_dir = build_tiny_model(workdir / "tiny", corpus=tokenizer_corpus(records, fmt), vocab_size=CALIBRATED_VOCAB,
                                min_pixels=pixels[0], max_pixels=pixels[1])
    processor = AutoProcessor.from_pretrained(tiny_dir)
    config = model_config(tiny_dir, args.tiny, processor.tokenizer)
    with torch.device("meta"):  # allocates nothing: for the rope index and the parameter counts only
        meta = AutoModelForImageTextToText.from_config(config)
    encoder = SampleEncoder(processor, fmt, max_length=args.max_length, rope_index=rope_index_fn(meta))
    start = time.perf_counter()
    records = [with_grey_image(r, i) for i, r in enumerate(sample)]
    # Lengths from the training prescan (in parallel over the cores, as train.py runs it); time per sample.
    samples = [x[0] for x in encode_all(records, SampleEncoder(processor, fmt, max_length=args.max_length),
                                        use_cache=False) if isinstance(x, tuple)]
    encode_ms = 1000 * (time.perf_counter() - start) / len(samples)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    return SimpleNamespace(args=args, device=device, dtype=modeling.default_dtype(device), processor=processor,
                           config=config, samples=samples, records=records, encoder=encoder,
                           pad_id=processor.tokenizer.pad_token_id, flops=FlopCounts.from_model(meta),
                           encode_ms=encode_ms)


def qlora_available(device: str) -> bool:
    """bitsandbytes imports and can quantize a tensor on `device`."""
    try:
        import bitsandbytes as bnb

        bnb.nn.Params4bit(torch.randn(64, 64), quant_type="nf4").to(device)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means no QLoRA here
        print(f"QLoRA routes skipped: bitsandbytes unusable on {device} ({type(exc).__name__}: {exc})")
        return False


def table_row(r: dict, base: dict | None) -> str:
    """One Markdown row; the speed-up is against the naive route of the same method (LoRA or QLoRA)."""
    if "error" in r:
        return f"| {r['route']} | failed: {r['error'][:80]} |" + " |" * 13
    speed = f"{r['samples_per_s'] / base['samples_per_s']:.2f}x" if base and "error" not in base else "-"
    mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "n/a"
    peak = "n/a" if r["peak_gib"] is None else f"{r['peak_gib']:.1f}" + (
        f" (paged {r['paged_gib']:.1f})" if r.get("paged_gib") else "")
    return (f"| {r['route']} | {r['batching']} | {'on' if r['checkpointing'] else 'off'} | {r['samples']} | "
            f"{r['samples_per_s']:.2f} | {speed} | {r['tokens_per_s']:,.0f} | {100 * r['padded_share']:.1f}% | "
            f"{mfu} | {peak} | {r['loss_first']:.2f} -> {r['loss_last']:.2f} | {r['micro_batch']} x "
            f"{r['accumulation']} | {r['workers']} | {r['data_wait_s_per_step']:.3f} | {r['compute_s_per_step']:.3f} |")


def markdown(rows: list[dict], meta: dict) -> str:
    """The results table under a line describing the run."""
    head = (f"{meta['model']} on {meta['device']}; {meta['samples']} samples of {meta['mean_tokens']:.0f} tokens"
            f" (mean), batch {meta['batch']}, max length {meta['max_length']}, MFU peak {meta['peak_tflops']}"
            " TFLOP/s. MFU: PaLM's model FLOPs (6 N per token + attention; the frozen vision tower forward only;"
            " lm_head on the positions projected; bench/flops.py). Peak GiB: max_memory_allocated plus the paged"
            " optimizer state (CUDA managed memory, which that counter does not see).\n\n"
            " Data wait: seconds per optimizer step blocked on the data loader (samples encoded on the fly, by"
            " `workers` processes or, with 0, the training process); compute: the rest of the step.\n\n"
            "| route | batching | ckpt | samples | samples/s | vs naive | tokens/s | padding | MFU | peak GiB | loss"
            " | micro x accum | workers | data wait s/step | compute s/step |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    base = {r["qlora"]: r for r in rows if r.get("batching") == "padded"}
    return "\n".join([head] + [table_row(r, base.get(r.get("qlora")) if r.get("batching") == "packed" else None)
                               for r in rows]) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="medqa.tiny's model and a small image budget (for CPU)")
    p.add_argument("--reports", type=Path, default=DEFAULT_REPORTS, help="Open-i indiana_reports.csv")
    p.add_argument("--samples", type=int, default=None, help="records timed per route (default 32 with --tiny, 256)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--steps", type=int, default=0, help="cap on timed steps per route (0: all the samples)")
    p.add_argument("--route-seconds", type=float, default=None, help="stop timing a route after this long "
                   "(after 2 steps at least; default 30 on CUDA, none on CPU)")
    p.add_argument("--append", action="store_true", help="keep the routes already in --out (another run's) and "
                   "add these; a route run again replaces its row")
    p.add_argument("--batch", type=int, default=2, help="the naive route's batch (paper: 2, accumulated to the step)")
    p.add_argument("--micro-batch", type=int, default=8, help="samples per micro-batch on the medqa routes (one "
                   "packed row), accumulated to --samples-per-step")
    p.add_argument("--samples-per-step", type=int, default=16, help="samples per optimizer step (paper: 2 x 8)")
    p.add_argument("--workers", type=int, default=None, help="medqa routes' dataloader workers encoding samples "
                   "while the model trains (default min(4, CPUs - 1); 0: encode in the main process, as before)")
    p.add_argument("--max-length", type=int, default=1800, help="packed row length, longest sample")
    p.add_argument("--gc", action="store_true", help="gradient checkpointing on the medqa routes too")
    p.add_argument("--qlora", action="store_true", help="QLoRA routes off CUDA too (if bitsandbytes works there)")
    p.add_argument("--routes", default="auto", help=f"comma list of {', '.join(ROUTES)}, each optionally +gc; "
                   "auto: the LoRA pair, plus the QLoRA pair on CUDA or with --qlora")
    p.add_argument("--peak-tflops", type=float, default=None, help="MFU denominator (default 989 on CUDA, "
                   "H100/H200 bf16 dense; none on CPU)")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--seed", type=int, default=0, help="which records are drawn")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "train_throughput.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Prepare once, run each route (a failing route is recorded, not fatal), write JSON and Markdown."""
    args = parse_args(argv)
    args.samples = args.samples or (64 if args.tiny else 512)
    if args.workers is None:
        import os

        args.workers = min(4, max(0, (os.cpu_count() or 1) - 1))
    if args.tiny and not torch.cuda.is_available():
        torch.set_num_threads(1)  # the tiny model's ops are too small for threads, which only spin on a busy CPU
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        ctx = prepare(args, Path(workdir))
    cuda = ctx.device.startswith("cuda")
    args.peak_tflops = args.peak_tflops if args.peak_tflops is not None else (989.0 if cuda else 0.0)
    args.route_seconds = args.route_seconds if args.route_seconds is not None else (30.0 if cuda else 0.0)
    routes = parse_routes(args.routes, (cuda or args.qlora) and qlora_available(ctx.device), args.gc)
    meta = {"model": "tiny" if args.tiny else "Qwen2.5-VL-7B shape (random weights)",
            "device": torch.cuda.get_device_name() if cuda else "cpu", "samples": len(ctx.samples),
            "mean_tokens": sum(ctx.samples) / len(ctx.samples), "batch": args.batch,
            "micro_batch": args.micro_batch, "samples_per_step": args.samples_per_step, "workers": args.workers,
            "max_length": args.max_length, "peak_tflops": args.peak_tflops, "prescan_ms_per_sample": ctx.encode_ms,
            "params_language_body": ctx.flops.n_body, "params_vision": ctx.flops.n_vision,
            **{name: version(name) for name in ("torch", "transformers", "peft")}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    names = {r.name for r in routes}
    rows = [r for r in json.loads(args.out.read_text())["routes"] if r["route"] not in names] \
        if args.append and args.out.is_file() else []
    for route in routes:
        try:
            rows.append(run_route(route, ctx))
            print(f"{route.name}: {rows[-1]['samples_per_s']:.2f} samples/s", flush=True)
        except Exception as exc:  # noqa: BLE001 - e.g. out of memory: record it, go on with the next route
            traceback.print_exc()
            rows.append({"route": route.name, "error": f"{type(exc).__name__}: {exc}".replace("\n", " ")})
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
        meta["seconds_total"] = time.perf_counter() - start
        # Both files after every route, atomically: a run killed at its time cap keeps every finished row.
        write_atomic(args.out, json.dumps({"meta": meta, "routes": rows}, indent=2) + "\n")
        table = markdown(rows, meta)
        write_atomic(args.out.with_suffix(".md"), table)
    print(table)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')} ({meta['seconds_total']:.0f} s)")


if __name__ == "__main__":
    main()
