"""Can a model or adapter be loaded here? Answered at once, before any work and without the hub's retries.

Loading a hub id that is not in the local cache makes transformers ask the hub for one file after
another, each retried with back-off: offline, that is minutes of warnings before the error. A command
that is about to load models (the study's prepare) asks `check_source` first: a local folder must hold
the checkpoint's config, a hub id must be in the cache, or (when HF_HUB_OFFLINE is not set) the hub
must answer one request within a few seconds. The error names the model and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

PROBE_TIMEOUT_S = 5.0
_CONFIG = {"model": "config.json", "adapter": "adapter_config.json"}


class SourceError(ValueError):
    """A model or adapter that cannot be loaded here; the message names it and says why."""


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE is on (read now, not when huggingface_hub was imported)."""
    from huggingface_hub import constants

    return constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")


def check_source(name: str, what: str = "model") -> None:
    """SourceError unless `name` (a folder or a hub id) can be loaded as a `what` ('model' or 'adapter')."""
    config = _CONFIG[what]
    path = Path(name).expanduser()
    if path.exists():
        if not (path / config).is_file():
            raise SourceError(f"{what} {name!r}: the folder has no {config}, so it is not a complete "
                              f"{'LoRA adapter (train.py --output_dir)' if what == 'adapter' else 'checkpoint'}")
        return
    if path.is_absolute() or name.startswith((".", "~")) or name.count("/") > 1:
        raise SourceError(f"{what} {name!r}: folder not found")
    from huggingface_hub import constants, get_token, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, config), str):
        return
    if hub_offline():
        raise SourceError(f"{what} {name!r}: not a local folder and not in the Hugging Face cache "
                          f"({constants.HF_HUB_CACHE}), and HF_HUB_OFFLINE is set, so it cannot be downloaded: "
                          "give a local folder, or download it first where there is a network")
    url = f"{constants.ENDPOINT}/{name}/resolve/main/{config}"
    try:
        token = get_token()
        reply = httpx.head(url, timeout=PROBE_TIMEOUT_S, follow_redirects=False,
                           headers={"Authorization": f"Bearer {token}"} if token else {})
    except httpx.HTTPError as exc:
        raise SourceError(f"{what} {name!r}: not a local folder, not in the Hugging Face cache, and "
                          f"{constants.ENDPOINT} did not answer ({type(exc).__name__}: {exc}); offline, set "
                          "HF_HUB_OFFLINE=1 and give a local folder or a cached hub id") from None
    if reply.status_code in (401, 403, 404):
        raise SourceError(f"{what} {name!r}: the hub has no {what} of that name that this machine may read "
                          f"(HTTP {reply.status_code} for {config}; a gated or private one needs HF_TOKEN)")
