"""Rating load: N concurrent rater sessions submitting judgements through the running study app.

    python bench/ratings_load.py                              # SQLite, 20 sessions, 200 judgements
    python bench/ratings_load.py --db postgresql              # a throw-away local PostgreSQL server
    python bench/ratings_load.py --db postgresql://u@host/db  # an existing one
    python bench/ratings_load.py --kill-after 100             # SIGKILL the app after 100 acks
    python bench/ratings_load.py --client gradio              # gradio_client instead of plain HTTP

The app is a separate process (`python demo/app.py --study ...`, or `--app serve` for
`python -m medqa.study serve`, which loads no model), over a pairwise study written straight
into the database (the answers are placeholders: this measures the rating path, not a model),
with the shared Open-i images as the cases when they are there. Each session signs in with its
own access code, then submits its queue as fast as the app answers (no think time: a stress
test; `--think-ms` paces it like a person). Every 10th judgement is sent twice, as a double
click would. A submission counts as acknowledged when the app's answer says it was saved.

Prints one JSON line: sent, acked, stored (acknowledged judgements found in the database
afterwards), duplicates (rows beyond one per answer), lost (acknowledged but not stored),
p50_ms / p99_ms of the acknowledgements, rate_per_s, killed, not_saved (answers that said "未保存", each
submitted again, as a rater would), http_errors. Targets on a quiet 2-core machine: 0 lost, 0 duplicates,
0 HTTP errors, p99_ms <= 300.

    python bench/ratings_load.py --db postgresql --outage-after 60 --outage-s 8   # server down 8 s mid-run

stops the throw-away PostgreSQL server (`pg_ctl stop -m fast`: every connection dropped, as in a restart)
once 60 judgements are acknowledged, and starts it again 8 s later. Targets: 0 lost, 0 duplicated, 0 HTTP
errors; the raters see "未保存" and submit again, or wait for the server to come back.

`--client http` posts to the app's un-queued `/gradio_api/run/<api>` route, which is what the
browser uses for the study's (queue=False) events; `--client gradio` uses gradio_client, whose
own per-call cost (a thread and an SSE stream, ~50 ms of client CPU per call) competes for the
same 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.study import codes  # noqa: E402
from medqa.study.handlers import OUTPUTS  # noqa: E402
from medqa.study.store import StudyStore  # noqa: E402

IMAGES = REPO.parent / "shared" / "data" / "openi" / "images" / "iu_xray" / "openi_png"
STATUS, ASSIGNMENT, TOKEN = OUTPUTS.index("status"), OUTPUTS.index("assignment"), OUTPUTS.index("token")


def write_study(root: Path, db: str, sessions: int, per_session: int) -> tuple[Path, dict[str, str]]:
    """A prepared pairwise study (2 arms, 2 raters per case) and each rater's access code."""
    from PIL import Image

    (root / "out" / "images").mkdir(parents=True, exist_ok=True)
    sources = sorted(IMAGES.glob("*.png")) if IMAGES.is_dir() else []
    if not sources:  # no shared data here: one grey stand-in film
        Image.new("L", (512, 512), 110).save(root / "film.png")
        sources = [root / "film.png"]
    images = []
    for k, src in enumerate(sources):
        out = root / "out" / "images" / f"case{k}.png"
        Image.open(src).convert("L").save(out)
        images.append(str(out))
    n_cases = sessions * per_session // 2
    raters = [f"r{k:02d}" for k in range(sessions)]
    path = root / "study.yaml"
    path.write_text(json.dumps({
        "study": "load", "design": "pairwise", "raters_per_case": 2, "output": "out", "db": db,
        "arms": [{"id": "a", "model": "tiny"}, {"id": "b", "model": "tiny"}],
        "cases": {"items": [{"image": images[0], "question": "q"}]}, "raters": [{"id": r} for r in raters]}),
        encoding="utf-8")
    store = StudyStore(db, "load")
    cases = [{"case_id": f"c{k}", "number": k + 1, "patient": f"p{k % 50}", "image": images[k % len(images)],
              "question": f"第{k + 1}个问题：这张胸片正常吗？"} for k in range(n_cases)]
    answers = [{"case_id": c["case_id"], "arm_id": a, "text": f"回答{a}：心肺未见明显异常。" * 3} for c in cases
               for a in ("a", "b")]
    queue = []
    for k, case in enumerate(cases):
        for j in (0, 1):
            rater = raters[(2 * k + j) % sessions]
            queue.append({"rater_id": rater, "position": sum(q["rater_id"] == rater for q in queue) + 1,
                          "case_id": case["case_id"], "arm_a": "ab"[j], "arm_b": "ba"[j]})
    store.save_setup({"title": "load", "design": "pairwise", "language": "zh", "definition": {}},
                     [{"arm_id": "a", "number": 1, "spec": {}}, {"arm_id": "b", "number": 2, "spec": {}}],
                     cases, answers, [{"rater_id": r, "number": k + 1} for k, r in enumerate(raters)], queue)
    invitations = {}
    for rater in raters:
        invitations[rater] = codes.new_code()
        store.set_code(rater, invitations[rater])
    store.close()
    return path, invitations


class HttpSession:
    """One rater's browser-like session: the un-queued run route, one keep-alive connection."""

    def __init__(self, url: str) -> None:
        import httpx

        self.url, self.client = url.rstrip("/") + "/gradio_api/run/", httpx.Client(timeout=60)
        self.session_hash = os.urandom(8).hex()

    def call(self, api: str, *data) -> list:
        reply = self.client.post(self.url + api, json={"data": list(data), "session_hash": self.session_hash})
        reply.raise_for_status()
        return reply.json()["data"]


class GradioSession:
    """One rater's session through gradio_client (queued protocol, server-sent events)."""

    def __init__(self, url: str) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def call(self, api: str, *data) -> list:
        out = list(self.client.predict(*data, api_name="/" + api))
        return [None, None, None, *out]  # gradio_client leaves out the layout outputs (panels, the back button)


def rater_session(url: str, code: str, args, record, signed_in: threading.Barrier) -> None:
    """Sign in, then (once every session has) submit the whole queue, every 10th twice; record each outcome."""
    try:
        session = (HttpSession if args.client == "http" else GradioSession)(url)
        out = session.call("study_sign_in", code)
    except Exception as exc:  # counted as a failed session, not a crashed benchmark
        signed_in.abort()
        record(None, None, f"sign-in failed: {exc!r}")
        return
    try:
        signed_in.wait()  # the sign-in burst (scrypt, ~60 ms each) is not what is timed
    except threading.BrokenBarrierError:
        return
    token, n = out[TOKEN], 0
    while out[ASSIGNMENT] not in (None, ""):
        aid = int(out[ASSIGNMENT])
        form = ["4", "3", "5", ["wrong_side"], "2", "3", "4", [], "A", f"会话 {code[:4]} 第 {n} 条"]
        for _ in range(2 if n % 10 == 9 else 1):
            out = submit_until_shown(session, token, aid, form, record)
            if out is None:
                return
        n += 1
        if args.think_ms:
            time.sleep(args.think_ms / 1000)


def submit_until_shown(session, token: str, aid: int, form: list, record) -> list | None:
    """Submit one judgement as a rater would: "not saved" (a database outage) means submit it again in a
    moment; "saved, the next case later" means ask for the next case again. The page with the next case, or None
    when the app failed (an HTTP error: the kill test, or a 500)."""
    while True:
        start = time.perf_counter()
        try:
            out = session.call("study_submit", token, aid, *form)
        except Exception as exc:  # the app died (the kill test) or answered an HTTP error: not acknowledged
            record(aid, None, repr(exc))
            return None
        status = str(out[STATUS])
        ok = status.startswith(("已保存", "已更新"))
        record(aid, (time.perf_counter() - start) * 1000 if ok else None, status)
        while ok and not isinstance(out[ASSIGNMENT], (int, type(None))):  # stored; the next case comes later
            time.sleep(0.5)
            try:
                out = session.call("study_show", token, None)
            except Exception as exc:
                record(aid, None, repr(exc))
                return None
        if ok:
            return out
        time.sleep(0.5)  # "未保存": the rater waits a moment and submits again


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(study: Path, port: int, args) -> subprocess.Popen:
    """The study app as its own process (so it can be SIGKILLed), once it answers HTTP."""
    import httpx

    if args.app == "demo":
        command = [sys.executable, str(REPO / "demo" / "app.py"), "--model", "tiny", "--no-warmup", "--study",
                   str(study), "--port", str(port)]
    else:
        command = [sys.executable, "-m", "medqa.study", "serve", str(study), "--port", str(port)]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited: {proc.stderr.read().decode()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 180 s")


def _outage(server, seconds: float) -> None:
    """The database goes away for `seconds`, every connection dropped, then comes back (a restart)."""
    server.stop("fast")
    time.sleep(seconds)
    server.start()


def run(args, db: str, server=None) -> dict:
    """Set up, start the app, drive the sessions, stop the app, count what the database holds (`server`: the
    throw-away PostgreSQL server, for --outage-after)."""
    with tempfile.TemporaryDirectory(prefix="medqa-ratings-load-") as tmp:
        per_session = max(1, args.judgements // args.sessions)
        study, invitations = write_study(Path(tmp), db, args.sessions, per_session)
        port = free_port()
        app = start_app(study, port, args)
        results, lock, killed = [], threading.Lock(), threading.Event()

        outage = threading.Event()

        def record(aid, ms, status):
            with lock:
                results.append((aid, ms, status))
                acked = sum(1 for r in results if r[1] is not None)
                if args.kill_after and acked >= args.kill_after and not killed.is_set():
                    killed.set()
                    os.kill(app.pid, signal.SIGKILL)
                if server is not None and args.outage_after and acked >= args.outage_after and not outage.is_set():
                    outage.set()
                    threading.Thread(target=_outage, args=(server, args.outage_s), daemon=True).start()

        barrier = threading.Barrier(len(invitations))
        threads = [threading.Thread(target=rater_session,
                                    args=(f"http://127.0.0.1:{port}/", code, args, record, barrier))
                   for code in invitations.values()]
        start, cpu_before = time.perf_counter(), _cpu_seconds(app.pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        cpu = _cpu_seconds(app.pid) - cpu_before if not killed.is_set() else None
        if app.poll() is None:
            app.send_signal(signal.SIGINT)
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                app.kill()
        summary = summarise(results, db, wall, killed.is_set(), args)
        summary["outage_s"] = args.outage_s if outage.is_set() else 0
        summary["app_cpu_ms_per_request"] = round(1000 * cpu / max(1, summary["sent"]), 1) if cpu else None
        return summary


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise(results: list, db: str, wall: float, killed: bool, args) -> dict:
    store = StudyStore(db, "load")
    rows = store.db.query("SELECT assignment_id, arm_id FROM judgements")
    store.close()
    stored_keys = {(r["assignment_id"], r["arm_id"]) for r in rows}
    stored_assignments = {a for a, _ in stored_keys}
    acked = {aid for aid, ms, _ in results if ms is not None}
    failures = [status for aid, _, status in results if aid is None]
    latencies = sorted(ms for _, ms, _ in results if ms is not None)
    pct = (lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)) if latencies else None
    return {"db": "postgresql" if db.startswith("postgres") else "sqlite", "client": args.client, "app": args.app,
            "sessions": args.sessions, "sent": sum(aid is not None for aid, _, _ in results),
            "acked": sum(ms is not None for _, ms, _ in results),
            "stored": len(acked & stored_assignments), "duplicates": len(rows) - len(stored_keys),
            "lost": len(acked - stored_assignments), "p50_ms": pct(0.5) if pct else None,
            "p99_ms": pct(0.99) if pct else None,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
            "rate_per_s": round(len(latencies) / wall, 1), "killed": killed,
            "not_saved": sum(ms is None and aid is not None and str(status).startswith("未保存")
                             for aid, ms, status in results),
            "http_errors": sum(ms is None and "HTTPStatusError" in str(status) for _, ms, status in results),
            **({"failed_sessions": len(failures), "first_failure": failures[0][:200]} if failures else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--judgements", type=int, default=200, help="in all, split over the sessions")
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql (a throw-away local server) or a URL")
    parser.add_argument("--client", choices=("http", "gradio"), default="http")
    parser.add_argument("--app", choices=("demo", "serve"), default="demo")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between a rater's submissions")
    parser.add_argument("--kill-after", type=int, default=0, help="SIGKILL the app after this many acks")
    parser.add_argument("--outage-after", type=int, default=0,
                        help="with --db postgresql: stop the server after this many acks, for --outage-s")
    parser.add_argument("--outage-s", type=float, default=8.0)
    args = parser.parse_args(argv)
    if args.db == "postgresql":
        from tests.helpers.postgres import postgres_instance

        with postgres_instance() as server:
            print(json.dumps(run(args, server.url, server)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "study.db") if args.db == "sqlite" else args.db
        print(json.dumps(run(args, db)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
