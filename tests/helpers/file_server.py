"""A real HTTP file server on 127.0.0.1 for the download tests: Range requests, dropped transfers, refusals.

`FileServer(files)` serves `files` (URL path -> bytes) from a thread. `cut[path] = n` makes the next
reply for `path` stop after n bytes of its body and close the connection (an interrupted transfer);
`status[path] = 403` answers that status instead; `ranges=False` ignores Range headers as some
servers do. Every request is recorded in `requests` as (path, Range header or None).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    """Serve bytes over HTTP on a free local port until close()."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.cut: dict[str, int] = {}
        self.status: dict[str, int] = {}
        self.ranges = True
        self.requests: list[tuple[str, str | None]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/collections/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(state: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.removeprefix("/collections/")
            header = self.headers.get("Range")
            state.requests.append((path, header))
            if path in state.status:
                return self._reply(state.status[path], b"refused\n")
            if path not in state.files:
                return self._reply(404, b"not found\n")
            body, total = state.files[path], len(state.files[path])
            match = re.fullmatch(r"bytes=(\d+)-", header or "") if state.ranges else None
            start = int(match.group(1)) if match else 0
            if match and start >= total:
                return self._reply(416, b"", {"Content-Range": f"bytes */{total}"})
            headers = {"Content-Range": f"bytes {start}-{total - 1}/{total}"} if match else {}
            self._reply(206 if match else 200, body[start:], headers, cut=state.cut.pop(path, None))

        def do_HEAD(self) -> None:  # noqa: N802 (a hub probe: the status alone)
            path = self.path.removeprefix("/collections/")
            state.requests.append((f"HEAD {self.path}", None))
            self.send_response(state.status.get(path, 200 if path in state.files else 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _reply(self, status: int, body: bytes, headers: dict | None = None, cut: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body if cut is None else body[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True

    return Handler
