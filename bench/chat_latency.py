"""Chat latency: time to first token and decode tokens/s for one 448-px chest X-ray and a Chinese question.

    python bench/chat_latency.py --tiny                        # CPU smoke run, medqa.tiny's model
    python bench/chat_latency.py --out $OUT/chat_latency.json  # one H100/H200: the Qwen2.5-VL-7B shape, bf16

On a GPU the model is the Qwen2.5-VL-7B-Instruct shape with random weights (no download; random weights
cost the same time per token), templated with the tiny checkpoint's processor at the paper's 448x448
image budget (256 image tokens, as the real model sees). Routes, each warmed up before it is timed:

- plain: `model.generate()` with the default dynamic cache: what the demo's LocalBackend does;
- static: a static KV cache of fixed length (`max_cache_len`), no compilation;
- static-compile: the static cache plus transformers' automatic torch.compile of the decode step
  (mode reduce-overhead: CUDA graphs). The cache length is fixed, so a new prompt length must not
  recompile; `first_call_s` of the second prompt length shows whether it did.

Time to first token is a `max_new_tokens=1` call (prefill + first token). Decode tokens/s comes from
the token timestamps of a `--new-tokens` call that ignores EOS (so every route decodes the same count).
Issue targets on an H200: decode >= 150 tok/s, time to first token <= 200 ms, and no compile stall a
clinician can see (the demo warms up at start). Reference: plain generate() 14.8 tok/s, 0.10 s prefill.
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
from medqa.core.modeling import ImageBudget, load_processor  # noqa: E402
from medqa.tiny import build_tiny_model  # noqa: E402

XRAY = REPO.parent / "shared" / "data" / "openi" / "images" / "iu_xray" / "openi_png" / "CXR1009_IM-0010-1001.png"
QUESTIONS = ("这张胸片正常吗？", "请描述这张胸片的主要发现，包括心影大小、肺野、肋膈角和纵隔的情况，并给出印象。")
ROUTES = ("plain", "static", "static-compile")
class TokenClock:
    """A generate() streamer that only notes when each new token reaches the host."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.prompt_seen = False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() hands the prompt over first
            self.prompt_seen = True
            return
        self.times.extend([time.perf_counter()] * max(1, value.numel()))

    def end(self) -> None:
        pass


def xray_448() -> Image.Image:
    """The Open-i film when the shared data is here (read in place), else a grey stand-in; 448x448 either way."""
    image = Image.open(XRAY).convert("RGB") if XRAY.is_file() else Image.new("RGB", (512, 512), (110, 110, 110))
    return image.resize((448, 448))


def build_model(args, tiny_dir: Path, tokenizer, device: str):
    """The tiny checkpoint (--tiny) or the 7B shape with random weights, in eval mode on `device`."""
    from transformers import AutoModelForImageTextToText, GenerationConfig

    pad, eos = tokenizer.convert_tokens_to_ids(["<|endoftext|>", "<|im_end|>"])
    if args.tiny:
        model = AutoModelForImageTextToText.from_pretrained(tiny_dir, dtype=torch.float32).to(device)
    else:
        config = qwen2_5_vl_7b_config(tokenizer)
        torch.manual_seed(0)
        with torch.device(device):
            model = AutoModelForImageTextToText.from_config(config, dtype=torch.bfloat16)
    model.generation_config = GenerationConfig(pad_token_id=pad, eos_token_id=eos, do_sample=False, num_beams=1)
    return model.eval()


def prompt_inputs(processor, question: str, device: str) -> dict:
    """The demo's prompt: system prompt, the X-ray and the question in one user turn."""
    fmt = ConversationFormat()
    image = xray_448()
    messages = fmt.to_model_messages([fmt.user_turn(question, image)])
    text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    inputs = processor(text=[text], images=[image], return_tensors="pt")
    return {k: v.to(device) for k, v in inputs.items()}


def route_kwargs(route: str, args) -> dict:
    """generate() keyword arguments of one route."""
    from transformers import CompileConfig

    if route == "plain":
        return {"disable_compile": True}
    kwargs = {"cache_implementation": "static", "max_cache_len": args.cache_len}
    if route == "static":
        return kwargs | {"disable_compile": True}
    compile_config = CompileConfig(fullgraph=False, mode=args.compile_mode)
    compile_config._compile_all_devices = True  # let --routes static-compile run on CPU too (slowly)
    return kwargs | {"compile_config": compile_config}


def sync(device: str) -> None:
    """Wait for queued GPU work, so wall times are real."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@torch.inference_mode()
def timed_generate(model, inputs: dict, kwargs: dict, new_tokens: int, device: str) -> dict:
    """Wall time of one generate() call of exactly `new_tokens` tokens, and when each token arrived."""
    clock = TokenClock()
    sync(device)
    start = time.perf_counter()
    model.generate(**inputs, **kwargs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, streamer=clock)
    sync(device)
    wall = time.perf_counter() - start
    steps = clock.times
    decode = (len(steps) - 1) / (steps[-1] - steps[0]) if len(steps) > 1 and steps[-1] > steps[0] else None
    return {"wall_s": wall, "tokens": len(steps), "decode_tok_s": decode}


def run_route(route: str, model, prompts: list[dict], args, device: str) -> dict:
    """Warm up, then time first token and decode for each prompt length; the median of --repeats."""
    kwargs = route_kwargs(route, args)
    row: dict = {"route": route, "prompts": []}
    for inputs in prompts:
        first = timed_generate(model, inputs, kwargs, args.new_tokens, device)  # warm-up (compiles, if it will)
        for _ in range(args.warmup):
            timed_generate(model, inputs, kwargs, args.new_tokens, device)
        ttft = [timed_generate(model, inputs, kwargs, 1, device)["wall_s"] for _ in range(args.repeats)]
        decode = [timed_generate(model, inputs, kwargs, args.new_tokens, device)["decode_tok_s"]
                  for _ in range(args.repeats)]
        row["prompts"].append({"prompt_tokens": int(inputs["input_ids"].shape[1]), "first_call_s": first["wall_s"],
                               "ttft_s": statistics.median(ttft),
                               "decode_tok_s": statistics.median(d for d in decode if d is not None)})
    row["ttft_s"] = row["prompts"][0]["ttft_s"]
    row["decode_tok_s"] = row["prompts"][0]["decode_tok_s"]
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    """The results table under a line describing the run."""
    head = (f"{meta['model']} on {meta['device']}; one 448-px X-ray ({meta['image_tokens']} image tokens) and a "
            f"Chinese question; {meta['new_tokens']} new tokens, median of {meta['repeats']}\n\n"
            "| route | prompt tokens | time to first token | decode tok/s | first call (warm-up) |\n"
            "|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['route']} | failed: {r['error'][:100]} | | | |")
            continue
        for p in r["prompts"]:
            lines.append(f"| {r['route']} | {p['prompt_tokens']} | {1000 * p['ttft_s']:.0f} ms | "
                         f"{p['decode_tok_s']:.1f} | {p['first_call_s']:.1f} s |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module doc)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="medqa.tiny's model on CPU (smoke run)")
    p.add_argument("--routes", default=None, help=f"comma list of {', '.join(ROUTES)} "
                   "(default: all on CUDA, plain,static on CPU)")
    p.add_argument("--new-tokens", type=int, default=None, help="decoded per timed call (default 128, 32 with --tiny)")
    p.add_argument("--repeats", type=int, default=3, help="timed calls per measurement (the median is reported)")
    p.add_argument("--warmup", type=int, default=1, help="untimed calls after the first, per prompt")
    p.add_argument("--cache-len", type=int, default=4096, help="static cache length (fixed: no recompiles)")
    p.add_argument("--compile-mode", default="reduce-overhead", help="torch.compile mode for static-compile")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "chat_latency.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build the model once, run each route (a failing route is recorded, not fatal), write JSON and Markdown."""
    args = parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = device.startswith("cuda")
    args.new_tokens = args.new_tokens or (32 if args.tiny else 128)
    routes = (args.routes or (",".join(ROUTES) if cuda else "plain,static")).split(",")
    with tempfile.TemporaryDirectory() as workdir:
        tiny_dir = build_tiny_model(Path(workdir) / "tiny", "qwen2_5_vl", seed=0)
        processor = load_processor(str(tiny_dir), ImageBudget())  # 448*448 pixels: 256 image tokens
        model = build_model(args, tiny_dir, processor.tokenizer, device)
    prompts = [prompt_inputs(processor, q, device) for q in QUESTIONS]
    meta = {"model": "tiny" if args.tiny else "Qwen2.5-VL-7B shape (random weights, bf16)",
            "device": torch.cuda.get_device_name() if cuda else "cpu", "new_tokens": args.new_tokens,
            "repeats": args.repeats, "cache_len": args.cache_len,
            "image_tokens": int(prompts[0]["image_grid_thw"].prod()) // 4,
            **{name: version(name) for name in ("torch", "transformers")}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for route in routes:
        try:
            rows.append(run_route(route, model, prompts, args, device))
            print(f"{route}: ttft {1000 * rows[-1]['ttft_s']:.0f} ms, {rows[-1]['decode_tok_s']:.1f} tok/s", flush=True)
        except Exception as exc:  # noqa: BLE001 - e.g. a compile failure: record it, go on with the next route
            traceback.print_exc()
            rows.append({"route": route, "error": f"{type(exc).__name__}: {exc}".replace("\n", " ")})
        args.out.write_text(json.dumps({"meta": meta, "routes": rows}, indent=2) + "\n")  # partial results survive
    table = markdown(rows, meta)
    print(table)
    args.out.with_suffix(".md").write_text(table)
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
