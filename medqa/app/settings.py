"""The demo's settings: command-line options first, then MEDQA_* environment variables, then defaults.

A Hugging Face Space has no command line, so every option has an environment variable:

| option | environment | default |
| --- | --- | --- |
| --model | MEDQA_MODEL | the adapter's base, else Qwen/Qwen2.5-VL-7B-Instruct (`tiny`: the offline tiny model) |
| --adapter | MEDQA_ADAPTER | none |
| --backend | MEDQA_BACKEND | local (`openai`: an OpenAI-compatible server such as vLLM) |
| --base-url | MEDQA_BASE_URL | none (needed by --backend openai) |
| --served-model | MEDQA_SERVED_MODEL | the --model value (the name the server knows the model by) |
| --db | MEDQA_DB | /data/medqa_ratings.db where /data exists (Spaces), else ratings.db |
| --host / --port | MEDQA_HOST / MEDQA_PORT (or GRADIO_SERVER_NAME / _PORT) | 127.0.0.1 (0.0.0.0 on a Space) / 7860 |
| --examples-dir | MEDQA_EXAMPLES_DIR | ../shared/data/openi/images when it exists |
| --data | MEDQA_DATA | none (a built dataset: reference answers for its images) |
| --store-images | MEDQA_STORE_IMAGES | off (only the image's SHA-256 is stored) |
| --concurrency | MEDQA_CONCURRENCY | 2 generations at once (one model is shared under a lock) |
| (env only) | MEDQA_ADMIN_PASSWORD | unset: the coordinator tab is off |
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass, fields
from pathlib import Path

from medqa.modeling import DEFAULT_MODEL

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXAMPLES = REPO_ROOT.parent / "shared" / "data" / "openi" / "images"
TRUE_WORDS = {"1", "true", "yes", "on"}


@dataclass
class AppSettings:
    """Everything the demo needs besides the backend and the store; see the module table."""

    model: str = DEFAULT_MODEL  # "" with an adapter: its base model
    adapter: str | None = None
    backend: str = "local"
    base_url: str | None = None
    served_model: str | None = None
    model_type: str = "qwen2_5_vl"  # box format of an OpenAI-served model (a local one reports its own)
    db: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    admin_password: str | None = None
    examples_dir: str | None = None
    data: str | None = None
    store_images: bool = False
    concurrency: int = 2
    language: str = "zh"
    max_question_chars: int = 2000
    context_tokens: int = 4096
    default_max_new_tokens: int = 256
    warmup: bool = True

    def __post_init__(self) -> None:
        if self.backend not in ("local", "openai"):
            raise ValueError(f"backend must be local or openai, got {self.backend!r}")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        if self.backend == "openai" and not (self.served_model or self.model):
            raise ValueError("--backend openai needs --served-model (the model name on the server)")
        if not (self.model or self.adapter):
            raise ValueError("no model: give --model (a hub id, a folder or 'tiny') or --adapter")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.language not in ("zh", "en"):
            raise ValueError(f"language must be zh or en, got {self.language!r}")

    @property
    def admin_enabled(self) -> bool:
        """The coordinator tab exists only when a password is set."""
        return bool(self.admin_password)


def build_parser() -> argparse.ArgumentParser:
    """The demo's command line; every option falls back to its MEDQA_* variable."""
    p = argparse.ArgumentParser(prog="python demo/app.py", description="Chinese chest X-ray QA demo (Gradio).")
    p.add_argument("--model", help="hub id, local folder, or 'tiny' for the offline tiny model [MEDQA_MODEL]")
    p.add_argument("--adapter", help="LoRA adapter folder from train.py [MEDQA_ADAPTER]")
    p.add_argument("--backend", choices=["local", "openai"], help="local transformers or an OpenAI-compatible "
                   "server such as vLLM [MEDQA_BACKEND]")
    p.add_argument("--base-url", help="the server's /v1 URL for --backend openai [MEDQA_BASE_URL]")
    p.add_argument("--served-model", help="the model name on that server [MEDQA_SERVED_MODEL]")
    p.add_argument("--db", help="SQLite ratings database [MEDQA_DB]")
    p.add_argument("--host", help="interface to listen on [MEDQA_HOST]")
    p.add_argument("--port", type=int, help="port [MEDQA_PORT]")
    p.add_argument("--examples-dir", help="folder of example X-rays (read in place) [MEDQA_EXAMPLES_DIR]")
    p.add_argument("--data", help="built dataset folder: reference answers for its images [MEDQA_DATA]")
    p.add_argument("--store-images", action="store_true", default=None,
                   help="also store the image pixels (PNG) with ratings [MEDQA_STORE_IMAGES]")
    p.add_argument("--concurrency", type=int, help="generations at once [MEDQA_CONCURRENCY]")
    p.add_argument("--language", choices=["zh", "en"], help="default UI language [MEDQA_LANGUAGE]")
    p.add_argument("--no-warmup", dest="warmup", action="store_false", default=None,
                   help="skip the warm-up generation at start")
    return p


def from_args(argv: list[str] | None = None, env: dict[str, str] | None = None) -> AppSettings:
    """Settings from `argv`, then `env` (default: os.environ), then the defaults."""
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    env = dict(os.environ if env is None else env)
    on_space = bool(env.get("SPACE_ID"))
    adapter = args["adapter"] or env.get("MEDQA_ADAPTER") or None
    values = {
        # With only an adapter, the base model is the one its adapter_config.json names.
        "model": args["model"] or env.get("MEDQA_MODEL") or ("" if adapter else DEFAULT_MODEL),
        "adapter": adapter,
        "backend": args["backend"] or env.get("MEDQA_BACKEND") or "local",
        "base_url": args["base_url"] or env.get("MEDQA_BASE_URL") or None,
        "served_model": args["served_model"] or env.get("MEDQA_SERVED_MODEL") or None,
        "model_type": env.get("MEDQA_MODEL_TYPE") or "qwen2_5_vl",
        "db": args["db"] or env.get("MEDQA_DB") or None,
        "host": args["host"] or env.get("MEDQA_HOST") or env.get("GRADIO_SERVER_NAME")
        or ("0.0.0.0" if on_space else "127.0.0.1"),
        "port": args["port"] or int(env.get("MEDQA_PORT") or env.get("GRADIO_SERVER_PORT") or 7860),
        "admin_password": env.get("MEDQA_ADMIN_PASSWORD") or None,
        "examples_dir": args["examples_dir"] or env.get("MEDQA_EXAMPLES_DIR")
        or (str(DEFAULT_EXAMPLES) if DEFAULT_EXAMPLES.is_dir() else None),
        "data": args["data"] or env.get("MEDQA_DATA") or None,
        "store_images": bool(args["store_images"]) or env.get("MEDQA_STORE_IMAGES", "").lower() in TRUE_WORDS,
        "concurrency": args["concurrency"] or int(env.get("MEDQA_CONCURRENCY") or 2),
        "language": args["language"] or env.get("MEDQA_LANGUAGE") or "zh",
        "warmup": args["warmup"] if args["warmup"] is not None else env.get("MEDQA_WARMUP", "1") != "0",
    }
    try:
        return AppSettings(**values)
    except ValueError as exc:  # a usage error: say it like argparse does, not with a traceback
        parser.error(str(exc))


def settings_summary(settings: AppSettings) -> dict:
    """The settings as a dict for logs, with the password hidden."""
    out = {f.name: getattr(settings, f.name) for f in fields(settings)}
    out["admin_password"] = "set" if settings.admin_password else None
    return out


def adapter_hash(adapter: str | None) -> str | None:
    """SHA-256 of the adapter's weight files, so a rating names the exact weights it judged."""
    if not adapter or not Path(adapter).is_dir():
        return None
    digest = hashlib.sha256()
    weights = sorted(Path(adapter).glob("adapter_model*.safetensors")) or sorted(Path(adapter).glob("adapter_model*"))
    for path in weights:
        with path.open("rb") as f:
            for block in iter(lambda f=f: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest() if weights else None
