"""A small OpenAI-compatible chat server on 127.0.0.1 that records every request body.

It speaks the wire format the official `openai` client reads (JSON completions, server-sent
event streams, `retry-after-ms` on errors), so tests exercise the real client end to end. Its
answers are canned: `reply` for the first choice, `beam k` for the others (as vLLM returns `n`
beams, best first).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAIServer:
    """`with FakeOpenAIServer(reply) as server:` serves `server.url` (a `/v1` base URL) until the block ends."""

    def __init__(self, reply: str | Callable[[dict], str] = "未见明显异常。", fail_first: int = 0,
                 fail_status: int = 503) -> None:
        self.reply, self.fail_first, self.fail_status = reply, fail_first, fail_status
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def answer(self, body: dict) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake.lock:
                    fake.requests.append(body)
                    failing = len(fake.requests) <= fake.fail_first
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": f"no route {self.path}"}})
                if failing:
                    return self._json(fake.fail_status, {"error": {"message": "overloaded", "type": "server_error"}},
                                      {"retry-after-ms": "10"})
                if body.get("stream"):
                    return self._stream(body)
                choices = [{"index": i, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": fake.answer(body) if i == 0 else f"beam {i}"}}
                           for i in range(body.get("n") or 1)]
                self._json(200, _envelope(body, "chat.completion", choices))

            def _stream(self, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                text = fake.answer(body)
                pieces = [{"role": "assistant", "content": ""}] + [{"content": text[i:i + 2]}
                                                                    for i in range(0, len(text), 2)]
                for i, delta in enumerate(pieces + [{}]):
                    finish = "stop" if i == len(pieces) else None
                    chunk = _envelope(body, "chat.completion.chunk",
                                      [{"index": 0, "delta": delta, "finish_reason": finish}])
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler


def _envelope(body: dict, kind: str, choices: list[dict]) -> dict:
    return {"id": "chatcmpl-test", "object": kind, "created": 0, "model": body.get("model", ""), "choices": choices}
