"""The demo's settings: one config dataclass, read from the command line, a YAML file or MEDQA_* variables.

A Hugging Face Space has no command line, so every option also has an environment variable
(MEDQA_MODEL, MEDQA_ADAPTER, MEDQA_BACKEND, ...; set MEDQA_ADMIN_PASSWORD as a Space secret). The
README's table of them is generated from `AppSettings` (medqa.entrypoints).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

from medqa.core.config import parse_config
from medqa.core.imaging import ImageLimits
from medqa.core.modeling import DEFAULT_MODEL
from medqa.core.redact import redact_url

PROG = "python demo/app.py"


@dataclass
class AppSettings:
    """Everything the demo needs besides the backend and the store."""

    model: str | None = field(default=None, metadata={
        "default_text": f"the adapter's base, else {DEFAULT_MODEL}",
        "help": "hub id, local folder, or 'tiny' for the offline tiny model"})
    adapter: str | None = field(default=None, metadata={"help": "LoRA adapter folder from train.py"})
    backend: Literal["local", "openai"] = field(default="local", metadata={
        "help": "local transformers, or openai: an OpenAI-compatible server such as vLLM"})
    base_url: str | None = field(default=None, metadata={"help": "the server's /v1 URL for --backend openai"})
    served_model: str | None = field(default=None, metadata={
        "default_text": "the --model value", "help": "the model name on that server"})
    model_type: str = field(default="qwen2_5_vl", metadata={
        "help": "box format of an OpenAI-served model (a local model reports its own)"})
    db: str | None = field(default=None, metadata={
        "default_text": "/data/medqa_ratings.db where /data exists (Spaces), else ./medqa_ratings.db",
        "help": "the ratings database: a SQLite file, or a postgresql:// URL that several app replicas share "
                "(with --study, the study's tables live there too)"})
    study: str | None = field(default=None, metadata={
        "help": "a study file (python -m medqa.study prepare it first): serves the raters' and the study "
                "coordinator's tabs only, no model and no free chat (a chat would unblind the arms); --db then "
                "names the study database (SQLite file or postgresql://...)"})
    host: str | None = field(default=None, metadata={
        "default_text": "$GRADIO_SERVER_NAME, else 127.0.0.1 (0.0.0.0 on a Space)", "help": "interface to listen on"})
    port: int | None = field(default=None, metadata={
        "default_text": "$GRADIO_SERVER_PORT, else 7860", "help": "port to listen on"})
    admin_password: str | None = field(default=None, metadata={
        "help": "coordinator password; unset: no coordinator tab (set it as a secret, not on the command line)"})
    trusted_proxies: str | None = field(default=None, metadata={
        "help": "comma-separated addresses or networks of your reverse proxies (e.g. 10.0.0.5,10.1.0.0/16): only "
                "from them is X-Forwarded-For believed, for the login throttle; unset: never (each TCP peer is a "
                "client)"})
    examples_dir: str | None = field(default=None, metadata={
        "help": "folder of example X-rays, read in place (e.g. ../shared/data/openi/images)"})
    data: str | None = field(default=None, metadata={
        "help": "a built dataset folder: reference answers for its images"})
    store_images: bool = field(default=False, metadata={
        "help": "also store the image pixels (PNG) with ratings; off: only the image's SHA-256"})
    concurrency: int = field(default=2, metadata={"help": "generations at once (one model is shared under a lock)"})
    language: Literal["zh", "en"] = field(default="zh", metadata={"help": "default UI language"})
    max_question_chars: int = field(default=2000, metadata={"help": "longer questions are cut, with a notice"})
    max_comment_chars: int = field(default=2000, metadata={
        "help": "longer rating comments are refused, with a message (the rating is not saved)"})
    max_upload_mb: int = field(default=50, metadata={"help": "largest upload accepted, in MB"})
    max_image_megapixels: int = field(default=50, metadata={
        "help": "largest image (one frame) decoded, in megapixels; a chest film is 4-20. The session keeps a copy "
                "at the model's pixel budget, not the original"})
    context_tokens: int = field(default=4096, metadata={"help": "the model context the chat history must fit"})
    default_max_new_tokens: int = field(default=256, metadata={"help": "the answer-length slider's start value"})
    warmup: bool = field(default=True, metadata={"help": "run one generation before serving (--no-warmup skips it)"})

    def __post_init__(self) -> None:
        if self.model is None:  # with only an adapter, the base model is the one its adapter_config.json names
            self.model = "" if self.adapter else DEFAULT_MODEL
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
        if min(self.max_question_chars, self.max_comment_chars, self.max_upload_mb, self.max_image_megapixels) < 1:
            raise ValueError("max_question_chars, max_comment_chars, max_upload_mb and max_image_megapixels must be "
                             "at least 1")
        if self.language not in ("zh", "en"):
            raise ValueError(f"language must be zh or en, got {self.language!r}")
        from medqa.app.peers import parse_proxies

        parse_proxies(self.trusted_proxies)  # a typo fails at start, naming the entry

    @property
    def image_limits(self) -> ImageLimits:
        """What one uploaded image may cost before it is decoded."""
        pixels = self.max_image_megapixels * 1_000_000
        # Uncompressed DICOM frames are all held at once: room for a few 16-bit frames, no more.
        return ImageLimits(max_file_bytes=self.max_upload_mb << 20, max_pixels=pixels, max_stored_bytes=8 * pixels)

    @property
    def admin_enabled(self) -> bool:
        """The coordinator tab exists only when a password is set."""
        return bool(self.admin_password)


def from_args(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> AppSettings:
    """Settings from `argv`, a `--config` file and `env` (default: os.environ), then the defaults."""
    env = os.environ if env is None else env
    (settings,) = parse_config((AppSettings,), argv, env, prog=PROG, description="Chinese chest X-ray QA demo.")
    if settings.host is None and env.get("SPACE_ID") and not env.get("GRADIO_SERVER_NAME"):
        settings = dataclasses.replace(settings, host="0.0.0.0")  # a Space's proxy reaches the app from outside
    return settings


def settings_summary(settings: AppSettings) -> dict:
    """The settings as a dict for logs, with the password hidden and every text redacted: a user:password@ or
    ?api-key= in --base-url or a postgresql:// --db must not reach the log."""
    out = {f.name: getattr(settings, f.name) for f in fields(settings)}
    out = {k: redact_url(v) if isinstance(v, str) else v for k, v in out.items()}
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
