"""Preflight of the GPU suite: library versions and the card, and a clear stop when something needed is missing.

    python bench/preflight.py [--tiny] [--out FILE]

Exit status 0: all there (the lines are written to --out and printed); 2: a package or the GPU is missing
(the message names it and how to get it).
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("torch", "torchvision", "transformers", "peft", "accelerate", "bitsandbytes")
HOW_TO_GET = {
    "torchvision": "the Qwen VL image processors need it: install the pinned pair from requirements.txt "
                   "(torch==2.14.1, torchvision==0.29.1)",
    "bitsandbytes": "the QLoRA routes need it: run `bash bench/gpu_suite.sh --prepare` here and carry .whl "
                    "with the device call",
}


def versions() -> dict[str, str | None]:
    """Installed version of each package, None when it is missing or cannot be imported."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            __import__(name)
            found[name] = metadata.version(name)
        except Exception:  # noqa: BLE001 - missing, or present but broken: either way unusable
            found[name] = None
    return found


def card() -> str:
    """The GPU's name and memory, or 'cpu'."""
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    props = torch.cuda.get_device_properties(0)
    return f"{props.name} ({props.total_memory / 2**30:.0f} GiB, CUDA {torch.version.cuda})"


def check(found: dict[str, str | None], device: str, tiny: bool) -> list[str]:
    """The problems that stop the suite, each with what to do."""
    problems = [f"{name} is missing: {HOW_TO_GET.get(name, 'pip install -r requirements.txt')}"
                for name, version in found.items() if version is None]
    if device == "cpu" and not tiny:
        problems.append("no CUDA device: the GPU suite needs one (use --tiny for a CPU dry run)")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write the versions and card to --out; return 2 with the problems when the suite cannot run."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tiny", action="store_true", help="a CPU dry run: no GPU needed")
    p.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = p.parse_args(argv)
    found = versions()
    device = card() if found["torch"] else "unknown (no torch)"
    lines = [f"Card: {device}.", "Versions: " + ", ".join(f"{k} {v or 'MISSING'}" for k, v in found.items()) + "."]
    problems = check(found, device, args.tiny)
    lines += [f"STOP: {problem}" for problem in problems]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text, end="", file=sys.stderr if problems else sys.stdout)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
