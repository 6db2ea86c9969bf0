"""Chat latency: time to first token and decode tokens/s for one 448-px chest X-ray and a Chinese question.

    python bench/chat_latency.py --tiny                        # CPU smoke run, medqa.tiny's model, every route
    python bench/chat_latency.py --out $OUT/chat_latency.json  # one H100/H200: the Qwen2.5-VL-7B shape, bf16

On a GPU the model is the Qwen2.5-VL-7B-Instruct shape with random weights (no download; random weights
cost the same time per token), templated with the tiny checkpoint's processor at the paper's 448x448
image budget (256 image tokens, as the real model sees). Every call starts from the demo's input (a
conversation holding a PIL image) through `LocalBackend.encode`, so time to first token includes the
image preprocessing. Routes, in the order given (default: fast, plain, static, static-compile):

- fast: medqa's `FastDecoder`, what LocalBackend uses on CUDA (eager prefill into a static cache, one
  compiled decode step captured as a CUDA graph); warmed up once (`warmup_s`) before any timed call;
- plain: `model.generate()` with the default dynamic cache (LocalBackend without the fast decoder);
- static: generate() with a static KV cache of fixed length, no compilation;
- static-compile: generate() with the static cache and transformers' torch.compile of the decode step.

Time to first token is a one-token call; decode tokens/s comes from the token arrival times of a
`--new-tokens` call that ignores the end token (every route decodes the same count). `first_call_s`
is each prompt's first call after warm-up: close to the steady time means no compile stall; for fast,
`recompiles` counts graphs compiled after its warm-up (0 expected). --tiny compiles with the "eager"
backend (graph capture without code generation, which takes minutes on a CPU).
Issue targets on an H200: decode >= 150 tok/s, time to first token <= 200 ms, no compile stall after
warm-up. Reference before this route existed: plain generate() 14.8 tok/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import traceback
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from shapes import qwen2_5_vl_7b_config  # noqa: E402

from medqa.core.conversation import ConversationFormat  # noqa: E402
from medqa.core.files import write_atomic  # noqa: E402
from medqa.core.modeling import ImageBudget, LoadedModel, load_processor  # noqa: E402
from medqa.serve.decoding import DecodingSettings  # noqa: E402
from medqa.serve.fast_decode import FastDecoder  # noqa: E402
from medqa.serve.local import LocalBackend  # noqa: E402
from medqa.tiny import build_tiny_model  # noqa: E402

XRAY = REPO.parent / "shared" / "data" / "openi" / "images" / "iu_xray" / "openi_png" / "CXR1009_IM-0010-1001.png"
QUESTIONS = ("这张胸片正常吗？", "请描述这张胸片的主要发现，包括心影大小、肺野、肋膈角和纵隔的情况，并给出印象。")
ROUTES = ("fast", "plain", "static", "static-compile")


class TokenClock:
    """Notes when each new token reaches the host: a generate() streamer, or FastDecoder's on_tokens."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.prompt_seen = False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() hands the prompt over first
            self.prompt_seen = True
            return
        self.times.extend([time.perf_counter()] * max(1, value.numel()))

    def tokens(self, ids: list[int]) -> None:
        self.times.extend([time.perf_counter()] * len(ids))

    def end(self) -> None:
        pass


def xray_448() -> Image.Image:
    """The Open-i film when the shared data is here (read in place), else a grey stand-in; 448x448 either way."""
    image = Image.open(XRAY).convert("RGB") if XRAY.is_file() else Image.new("RGB", (512, 512), (110, 110, 110))
    return image.resize((448, 448))


def build_backend(args, tiny_dir: Path, device: str) -> LocalBackend:
    """LocalBackend (no fast decoder: routes add their own) over the tiny checkpoint or the 7B shape."""
    from transformers import AutoModelForImageTextToText, GenerationConfig

    processor = load_processor(str(tiny_dir), ImageBudget())  # 448*448 pixels: 256 image tokens
    tok = processor.tokenizer
    if args.tiny:
        model = AutoModelForImageTextToText.from_pretrained(tiny_dir, dtype=torch.float32).to(device)
    else:
        torch.manual_seed(0)
        with torch.device(device):
            model = AutoModelForImageTextToText.from_config(qwen2_5_vl_7b_config(tok), dtype=torch.bfloat16)
    pad, eos = tok.convert_tokens_to_ids(["<|endoftext|>", "<|im_end|>"])
    model.generation_config = GenerationConfig(pad_token_id=pad, eos_token_id=eos, do_sample=False, num_beams=1)
    loaded = LoadedModel(model.eval(), processor, ConversationFormat(), ImageBudget(), "qwen2.5-vl-7b-shape")
    return LocalBackend(loaded, fast=False)


def generate_kwargs(route: str, args) -> dict:
    """generate() keyword arguments of the plain, static and static-compile routes."""
    from transformers import CompileConfig

    if route == "plain":
        return {"disable_compile": True}
    kwargs = {"cache_implementation": "static", "max_cache_len": args.cache_len}
    if route == "static":
        return kwargs | {"disable_compile": True}
    config = CompileConfig(fullgraph=False, mode=args.compile_mode, backend="eager" if args.tiny else "inductor")
    config._compile_all_devices = True  # let --tiny run it on CPU too
    return kwargs | {"compile_config": config}


def sync(device: str) -> None:
    """Wait for queued GPU work, so wall times are real."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@torch.inference_mode()
def timed_call(backend: LocalBackend, route: str, conversation: list[dict], new_tokens: int, ctx) -> dict:
    """One answer of exactly `new_tokens` tokens from the conversation: preprocessing, first token, decode rate."""
    clock = TokenClock()
    sync(ctx.device)
    start = time.perf_counter()
    inputs = backend.encode([conversation])
    prepared = time.perf_counter()
    if route == "fast":
        ctx.decoder.decode(inputs, DecodingSettings(max_new_tokens=new_tokens), on_tokens=clock.tokens, eos_ids=set())
    else:
        backend.loaded.model.generate(**inputs, **ctx.kwargs[route], max_new_tokens=new_tokens,
                                      min_new_tokens=new_tokens, streamer=clock)
    sync(ctx.device)
    t = clock.times
    rate = (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else None
    return {"wall_s": time.perf_counter() - start, "preprocess_s": prepared - start, "ttft_s": t[0] - start,
            "tokens": len(t), "decode_tok_s": rate, "prompt_tokens": int(inputs["input_ids"].shape[1])}


@torch.inference_mode()
def greedy_identity(backend: LocalBackend, conversations: list, args, ctx) -> dict:
    """Greedy answers of the fast decoder against generate()'s (dynamic cache, eager), token by token, per prompt."""
    settings = DecodingSettings(max_new_tokens=args.new_tokens)
    diverge = []
    for conversation in conversations:
        inputs = backend.encode([conversation])
        ours = ctx.decoder.decode(dict(inputs), settings)
        ref = backend.loaded.model.generate(**inputs, **settings.hf_kwargs(), disable_compile=True)
        ref = ref[0, inputs["input_ids"].shape[1]:].tolist()
        n = min(len(ours), len(ref))  # generate() stops at the end token too: equal answers have equal lengths
        first = next((i for i in range(n) if ours[i] != ref[i]), None if len(ours) == len(ref) else n)
        diverge.append(first)
    return {"greedy_identical": sum(d is None for d in diverge), "greedy_prompts": len(diverge),
            "first_divergence": [d for d in diverge if d is not None]}


def run_route(route: str, backend: LocalBackend, conversations: list, args, ctx) -> dict:
    """Warm up (fast: the decoder; others: one call), then each prompt: first call, TTFT and decode medians."""
    import torch._dynamo.utils

    row: dict = {"route": route, "prompts": []}
    start = time.perf_counter()
    if route == "fast":
        ctx.decoder = FastDecoder(backend.loaded.model, compile=True, backend="eager" if args.tiny else "inductor")
        longest = max(backend.encode([c])["input_ids"].shape[1] for c in conversations) + args.new_tokens
        ctx.decoder.warmup(buckets=(ctx.decoder.slot_for(longest).length,))  # the bucket both prompts use
    else:
        timed_call(backend, route, conversations[0], 2, ctx)
    row["warmup_s"] = time.perf_counter() - start
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    repeats = args.repeats if route == "fast" else max(1, args.repeats - 1)
    for conversation in conversations:
        first = timed_call(backend, route, conversation, args.new_tokens, ctx)
        ttft = [timed_call(backend, route, conversation, 1, ctx) for _ in range(repeats)]
        decode = [timed_call(backend, route, conversation, args.new_tokens, ctx)["decode_tok_s"]
                  for _ in range(repeats if route == "fast" else 1)]
        row["prompts"].append({"prompt_tokens": first["prompt_tokens"], "first_call_s": first["wall_s"],
                               "ttft_s": statistics.median(c["ttft_s"] for c in ttft),
                               "preprocess_s": statistics.median(c["preprocess_s"] for c in ttft),
                               "decode_tok_s": statistics.median(d for d in decode if d is not None)})
    row["recompiles"] = torch._dynamo.utils.counters["stats"]["unique_graphs"] - graphs if route == "fast" else None
    if route == "fast":  # after the timed calls: a recompile here would not count against the figures
        row |= greedy_identity(backend, conversations, args, ctx)
    row["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30 if ctx.device.startswith("cuda") else None
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    """The results table under a line describing the run."""
    head = (f"{meta['model']} on {meta['device']}; one 448-px X-ray ({meta['image_tokens']} image tokens) and a "
            f"Chinese question; {meta['new_tokens']} new tokens; time to first token includes the image "
            "preprocessing (in brackets); medians\n\n"
            "| route | prompt tokens | time to first token | decode tok/s | first call | warm-up | recompiles"
            " | peak GiB | greedy = generate() |\n|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['route']} | failed: {r['error'][:100]} | | | | | | | |")
            continue
        for p in r["prompts"]:
            same = f"{r['greedy_identical']}/{r['greedy_prompts']} prompts" + (
                f" (first divergence at token {r['first_divergence']})" if r["first_divergence"] else "") \
                if "greedy_prompts" in r else "-"
            extra = [f"{r['warmup_s']:.1f} s", "-" if r["recompiles"] is None else str(r["recompiles"]),
                     "n/a" if r["peak_gib"] is None else f"{r['peak_gib']:.1f}", same]
            lines.append(f"| {r['route']} | {p['prompt_tokens']} | {1000 * p['ttft_s']:.0f} ms "
                         f"({1000 * p['preprocess_s']:.0f} ms) | {p['decode_tok_s']:.1f} | {p['first_call_s']:.1f} s | "
                         + " | ".join(extra) + " |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module doc)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="medqa.tiny's model on CPU (smoke run)")
    p.add_argument("--routes", default=",".join(ROUTES), help=f"comma list of {', '.join(ROUTES)}")
    p.add_argument("--new-tokens", type=int, default=None, help="decoded per timed call (default 128, 16 with --tiny)")
    p.add_argument("--repeats", type=int, default=3, help="timed calls per measurement (generate() routes: one fewer)")
    p.add_argument("--cache-len", type=int, default=1024, help="generate()'s static cache length")
    p.add_argument("--compile-mode", default="reduce-overhead", help="torch.compile mode for static-compile")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--append", action="store_true", help="keep the routes already in --out and add these")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "chat_latency.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the model once, run each route (a failing route is recorded, not fatal), write JSON and Markdown."""
    from types import SimpleNamespace

    args = parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    args.new_tokens = args.new_tokens or (16 if args.tiny else 128)
    routes = args.routes.split(",")
    if unknown := set(routes) - set(ROUTES):
        raise SystemExit(f"unknown route(s) {sorted(unknown)}: use {', '.join(ROUTES)}")
    with tempfile.TemporaryDirectory() as workdir:
        backend = build_backend(args, build_tiny_model(Path(workdir) / "tiny", "qwen2_5_vl", seed=0), device)
    fmt = backend.fmt
    conversations = [[fmt.user_turn(q, xray_448())] for q in QUESTIONS]
    ctx = SimpleNamespace(device=device, decoder=None, kwargs={r: generate_kwargs(r, args) for r in ROUTES[1:]})
    meta = {"model": "tiny" if args.tiny else "Qwen2.5-VL-7B shape (random weights, bf16)",
            "device": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu",
            "new_tokens": args.new_tokens, "repeats": args.repeats, "cache_len": args.cache_len,
            "image_tokens": int(backend.encode(conversations[:1])["image_grid_thw"].prod()) // 4,
            **{name: version(name) for name in ("torch", "transformers")}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = [r for r in json.loads(args.out.read_text())["routes"] if r["route"] not in routes] \
        if args.append and args.out.is_file() else []
    for route in routes:
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        try:
            rows.append(run_route(route, backend, conversations, args, ctx))
            print(f"{route}: ttft {1000 * rows[-1]['prompts'][0]['ttft_s']:.0f} ms, "
                  f"{rows[-1]['prompts'][0]['decode_tok_s']:.1f} tok/s", flush=True)
        except Exception as exc:  # noqa: BLE001 - e.g. a compile failure: record it, go on with the next route
            traceback.print_exc()
            rows.append({"route": route, "error": f"{type(exc).__name__}: {exc}".replace("\n", " ")})
        # Both files after every route, atomically: a run killed at its time cap keeps every finished row.
        write_atomic(args.out, json.dumps({"meta": meta, "routes": rows}, indent=2) + "\n")
        write_atomic(args.out.with_suffix(".md"), markdown(rows, meta))
    print(markdown(rows, meta))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
