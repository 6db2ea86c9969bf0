"""Guessing speed: wrong secrets actually compared per minute, for each secret, with and without forged headers.

    python bench/guessing.py [--seconds 20] [--threads 8] [--out OUT.md]

One app process serves the chat demo's coordinator tab (no model) and, beside it, a study app (rater
sign-in and study coordinator). For each secret (the chat coordinator password, the study
coordinator password, a rater's access code) `--threads` clients guess as fast as the app answers
for `--seconds`, once with plain requests and once with a made-up `X-Forwarded-For` on every
request. A guess counts as compared when the answer is "wrong password" / "invalid code"; a guess
refused unseen during a wait ("try again in N s") tells the guesser nothing and is not counted.
Prints a Markdown table (and writes it to --out).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def launch(root: Path) -> tuple[list, dict]:
    """(demos to close, {'chat': url, 'study': url}); both apps in this process."""
    from medqa.app.settings import AppSettings
    from medqa.app.ui import build_demo
    from medqa.feedback.store import FeedbackStore
    from medqa.serve.unavailable import UnavailableBackend
    from medqa.study import codes
    from medqa.study.app import build_study_demo
    from medqa.study.store import StudyStore
    from tests.study.test_store import setup_pairwise

    chat = build_demo(UnavailableBackend("none"), FeedbackStore(root / "r.db"),
                      AppSettings(model="none", admin_password="s3cret-chat", warmup=False))
    store = StudyStore(root / "s.db", "s1")
    setup_pairwise(store, 2)
    store.set_code("wang", codes.new_code())
    meta = SimpleNamespace(title="t", language="zh", design="pairwise", output=root)
    study = build_study_demo(meta, store, "s3cret-study")
    urls = {}
    for name, demo in (("chat", chat), ("study", study)):
        _, urls[name], _ = demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True,
                                       quiet=True)
    return [chat, study], urls


def queued(client, url: str, api: str, data: list, headers: dict) -> list:
    """One queued event over Gradio's HTTP API; its outputs."""
    import json

    started = client.post(f"{url}gradio_api/call/{api}", json={"data": data}, headers=headers)
    stream = client.get(f"{url}gradio_api/call/{api}/{started.json()['event_id']}", headers=headers).text
    return json.loads(stream.split("event: complete\ndata:", 1)[1])


def guess(secret: str, urls: dict, headers: dict, client) -> bool:
    """One wrong guess; True when the app compared it (said 'wrong'), False when it was refused unseen."""
    from medqa.app.i18n import t
    from medqa.study.handlers import OUTPUTS
    from medqa.study.labels import tr

    word = f"guess-{random.getrandbits(40):x}"
    if secret == "chat coordinator password":
        said = queued(client, urls["chat"], "admin_view", [word, "", "", "", "", None], headers)[0]
        return said == t("wrong_password")
    if secret == "study coordinator password":
        said = queued(client, urls["study"], "study_progress", [word], headers)[0]
        return said == tr("wrong_password", "zh")
    from medqa.study import codes

    reply = client.post(f"{urls['study']}gradio_api/run/study_sign_in", json={"data": [codes.new_code()]},
                        headers=headers)
    return reply.json()["data"][OUTPUTS.index("status")] == tr("bad_code", "zh")


def scenario(secret: str, urls: dict, forged: bool, seconds: float, threads: int) -> float:
    """Wrong guesses compared per minute."""
    import httpx

    compared, lock, stop = [0], threading.Lock(), time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                headers = {"X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.7"} if forged else {}
                if guess(secret, urls, headers, client):
                    with lock:
                        compared[0] += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return compared[0] * 60 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demos, urls = launch(Path(tmp))
        rows = ["| secret | plain requests | forged X-Forwarded-For |", "|---|---:|---:|"]
        try:
            for secret in ("chat coordinator password", "study coordinator password", "access code"):
                figures = []
                for forged in (False, True):
                    for demo in demos:  # a fresh count for each run: the wait of the last run must not carry over
                        for gate in _gates(demo):
                            gate.throttle.clients.clear()
                    figures.append(scenario(secret, urls, forged, args.seconds, args.threads))
                rows.append(f"| {secret} | {figures[0]:.1f} / min | {figures[1]:.1f} / min |")
        finally:
            for demo in demos:
                demo.close()
    table = "\n".join(rows)
    print(f"Wrong guesses compared per minute ({args.threads} clients, {args.seconds:.0f} s each):\n\n{table}")
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")


def _gates(demo) -> list:
    """The login gates the demo's event handlers hold (to reset them between runs)."""
    from medqa.app.throttle import LoginGate

    found = []
    for fn in demo.fns.values():
        target = getattr(fn.fn, "__self__", None)
        for owner in (target, *(c.cell_contents for c in (getattr(fn.fn, "__closure__", None) or ())
                                if hasattr(c, "cell_contents"))):
            gate = getattr(owner, "gate", owner)
            if isinstance(gate, LoginGate) and gate not in found:
                found.append(gate)
    return found


if __name__ == "__main__":
    main()
