"""Export a trained LoRA adapter as one standalone checkpoint, for serving with vLLM.

    python -m medqa.export merge runs/lora-f0 exports/medqa-f0 [--model BASE] [--dtype bfloat16]

`merge` loads the base (named in the adapter's adapter_config.json unless --model is given) with
the adapter, folds the LoRA weights into the base weights (`merge_and_unload`) and writes a plain
transformers checkpoint: safetensors weights, config, processor (chat template, image processor
set to the adapter's pixel budget), and medqa's conversation format and image budget. The result
loads with `medqa.core.modeling.load_model(OUT)`, `AutoModelForImageTextToText.from_pretrained(OUT)`
and `vllm serve OUT`.

QLoRA adapters are merged into the unquantised base, always: the base is never loaded in 4 bit
here. Folding an adapter into nf4 weights would re-round them (lossy), and a 4-bit checkpoint is
not what vLLM should serve. Pass the original bf16 base (the one QLoRA quantised at load time);
a base checkpoint saved already quantised (a bitsandbytes `quantization_config` in its
config.json) is refused.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from medqa.core.config import parse_config

DTYPES = ("bfloat16", "float16", "float32")


class ExportError(ValueError):
    """A merge that cannot be done as asked; the message says what to change."""


def check_merge(adapter: str, out: str, model: str | None, overwrite: bool) -> str:
    """Validate the inputs before any weights load; returns the base model id or folder."""
    adapter_dir = Path(adapter)
    if not adapter_dir.is_dir():
        raise ExportError(f"adapter folder {adapter} does not exist")
    config_path = adapter_dir / "adapter_config.json"
    if not config_path.is_file():
        raise ExportError(f"{adapter} has no adapter_config.json: it is not a LoRA adapter folder "
                          "(point at a medqa training --output_dir or one of its checkpoint-N folders)")
    base = model or json.loads(config_path.read_text()).get("base_model_name_or_path")
    if not base:
        raise ExportError(f"{config_path} names no base model: pass --model BASE")
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"output {out} exists and is a file")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise ExportError(f"output folder {out} exists and is not empty: choose a new folder or pass --overwrite")
    for source in (adapter_dir, Path(base)):
        if source.exists() and out_dir.resolve() == source.resolve():
            raise ExportError(f"output folder {out} is the input {source}: write the merged model elsewhere")
    if _is_quantized(base):
        raise ExportError(f"base model {base} is saved quantised (bitsandbytes 4/8-bit): merging LoRA into "
                          "quantised weights is lossy. Pass --model the unquantised bf16 base instead "
                          "(for a QLoRA adapter: the model QLoRA quantised at load time)")
    return base


def _is_quantized(base: str) -> bool:
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(base)
    except (OSError, ValueError):
        return False  # load_model reports a base it cannot read, with its own explanation
    return getattr(config, "quantization_config", None) is not None


def merge(adapter: str, out: str, model: str | None = None, dtype: str = "bfloat16",
          overwrite: bool = False) -> Path:
    """Merge `adapter` into its base and save the standalone checkpoint in `out`; returns `out`."""
    from medqa.core.modeling import load_model

    if dtype not in DTYPES:
        raise ExportError(f"--dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    base = check_merge(adapter, out, model, overwrite)
    loaded = load_model(base, adapter=adapter, dtype=dtype, quantization="none")  # never merge into 4-bit
    merged = loaded.model.merge_and_unload()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("*.safetensors"), *out_dir.glob("*.safetensors.index.json")]:
        stale.unlink()  # --overwrite: old shards would otherwise be read beside the new ones
    merged.save_pretrained(out_dir)  # safetensors (the only format transformers 5 writes)
    loaded.processor.save_pretrained(out_dir)
    _drop_load_flags(out_dir / "tokenizer_config.json")
    loaded.fmt.save(out_dir)
    loaded.budget.save(out_dir, base)
    return out_dir


def _drop_load_flags(path: Path) -> None:
    """Remove how this process loaded the tokenizer (`is_local`, `local_files_only`) from its saved config.

    transformers writes them into tokenizer_config.json; a copy of the folder on the Hub or another
    machine (vLLM, a Space) would then be told to stay offline.
    """
    if not path.is_file():
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    if {"is_local", "local_files_only"} & config.keys():
        for key in ("is_local", "local_files_only"):
            config.pop(key, None)
        path.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def serve_command(out: str | Path, name: str = "medqa", max_model_len: int = 4096) -> str:
    return (f"vllm serve {shlex.quote(str(out))} --served-model-name {name} --max-model-len {max_model_len} "
            """--limit-mm-per-prompt '{"image":1}'""")


@dataclass
class MergeArguments:
    """Which adapter to fold into which base model, and where the merged checkpoint goes."""

    adapter: str = field(metadata={"help": "adapter folder (training --output_dir or a checkpoint-N in it)"})
    out: str = field(metadata={"help": "new folder for the merged model (must be missing or empty)"})
    model: str | None = field(default=None, metadata={
        "default_text": "the adapter_config.json base",
        "help": "base model, hub id or folder. For QLoRA, the unquantised base: merging into 4-bit weights is lossy"})
    dtype: Literal["bfloat16", "float16", "float32"] = field(default="bfloat16", metadata={
        "help": "weights dtype to save"})
    overwrite: bool = field(default=False, metadata={
        "help": "write into a non-empty output folder (its old weight files are deleted)"})


def main(argv: list[str] | None = None) -> int:
    """`python -m medqa.export merge ADAPTER OUT [--model BASE] [--dtype bfloat16] [--overwrite]`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "merge":
        print("usage: python -m medqa.export merge ADAPTER OUT [options]   (merge --help for its options)",
              file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    (args,) = parse_config((MergeArguments,), argv[1:], prog="python -m medqa.export merge",
                           positional=("adapter", "out"), description=merge.__doc__)
    from medqa.core.modeling import ModelLoadError

    try:
        out = merge(args.adapter, args.out, args.model, args.dtype, args.overwrite)
    except (ExportError, ModelLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"merged {args.adapter} into {out} ({args.dtype}). Serve it with:\n  {serve_command(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
