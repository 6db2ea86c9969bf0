"""Starting the Gradio server: never through a proxy to itself, patient with a busy machine, and a clear reason
when it still cannot reach itself.

After its server starts, Gradio's launch() calls its own local URL twice: GET /startup-events, and
HEAD / (`gradio.networking.url_ok`), which gives up at the first request slower than 3 s and then
stops the start with "When localhost is not accessible, a shareable link must be created". Two
things made a `--study` start fail that way about one time in two:

* httpx sends those requests through HTTP_PROXY / HTTPS_PROXY / ALL_PROXY unless NO_PROXY names
  localhost; `prepare_launch` adds the loopback names to NO_PROXY.
* HEAD / renders the whole page; on a busy machine (a model warming up beside other jobs) that took
  more than 3 s. `prepare_launch` replaces Gradio's check with one that waits up to 15 s per try
  and never uses a proxy.

`explain_launch_error` turns Gradio's message into the cause and what to check, should it still happen.
"""

from __future__ import annotations

import os

LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def local_without_proxy(env=None) -> list[str]:
    """Add the loopback names to NO_PROXY and no_proxy in `env` (default: os.environ); the names added."""
    env = os.environ if env is None else env
    added = []
    for name in ("NO_PROXY", "no_proxy"):
        have = [h.strip() for h in env.get(name, "").split(",") if h.strip()]
        missing = [h for h in LOOPBACK if h not in have]
        if missing:
            env[name] = ",".join(have + missing)
            added += [h for h in missing if h not in added]
    return added


def patient_url_ok(url: str, tries: int = 5, timeout_s: float = 15.0) -> bool:
    """Gradio's self-check (`gradio.networking.url_ok`), without a proxy and with time for a busy machine."""
    import time

    import httpx

    for _ in range(tries):
        try:
            status = httpx.head(url, timeout=timeout_s, verify=False, trust_env=False).status_code
        except (httpx.TransportError, OSError):
            status = None
        if status in (200, 401, 301, 302, 303, 307, 308):
            return True
        time.sleep(0.5)
    return False


def prepare_launch() -> None:
    """Before `launch()`: loopback bypasses any proxy, and Gradio's self-check is `patient_url_ok`."""
    import gradio.networking

    local_without_proxy()
    gradio.networking.url_ok = patient_url_ok  # blocks.launch() looks it up on the module at each start


def explain_launch_error(exc: BaseException, env=None) -> str | None:
    """The reason and the fix when `exc` is Gradio's 'localhost is not accessible'; None for any other error."""
    if "localhost is not accessible" not in str(exc):
        return None
    env = os.environ if env is None else env
    proxies = [f"{name}={env[name]}" for name in PROXY_VARIABLES if env.get(name)]
    said = ("the server started, but Gradio could not reach it at its own local address (each try waits up to "
            f"15 s; Gradio alone gave up after 3 s). Proxy settings: {', '.join(proxies) or 'none'} "
            f"(NO_PROXY={env.get('NO_PROXY', '')}); a proxy that does not honour NO_PROXY, a firewall on loopback, "
            "or a machine too busy to answer cause this. Start again, or with fewer jobs running")
    return said
