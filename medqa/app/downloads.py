"""Coordinator downloads that only the signed-in page ever receives: the bytes travel inside the event's reply.

A file handed to a gr.File or gr.Image gets a URL (`/gradio_api/file=...`) that works for anyone who
has it, for as long as Gradio's cache keeps the file: a URL seen in a log, a browser history or a
shared screen would give the ratings away. So a coordinator's export or plot never becomes a file
the server serves. The event that checked the password returns the bytes themselves (a `payload`,
base64 in JSON, to a hidden textbox), and `SAVE_JS`, run in that page only, turns them into a
download; a plot is an inline `data:` image. An API client gets the same payload in its reply.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

# Runs in the coordinator's page after the event: the payload becomes a file the browser saves.
SAVE_JS = """
(payload) => {
  if (!payload) return;
  const {name, mime, data} = JSON.parse(payload);
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], {type: mime}));
  link.download = name;
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}
"""


def payload(name: str, data: bytes, mime: str) -> str:
    """A download as the hidden textbox's value: {'name', 'mime', 'data': base64}."""
    return json.dumps({"name": name, "mime": mime, "data": base64.b64encode(data).decode("ascii")})


def file_payload(path: str | Path, mime: str) -> str:
    """`payload` of a file the app just wrote (and then deletes: it was never served)."""
    path = Path(path)
    try:
        return payload(path.name, path.read_bytes(), mime)
    finally:
        path.unlink(missing_ok=True)


def read_payload(text: str) -> tuple[str, bytes]:
    """(file name, bytes) of a payload: for API clients and the tests."""
    data = json.loads(text)
    return data["name"], base64.b64decode(data["data"])


def inline_image(path: str | Path, alt: str = "") -> str:
    """An <img> whose pixels are in the page (a data: URL), for a gr.HTML; the file is deleted."""
    path = Path(path)
    try:
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    finally:
        path.unlink(missing_ok=True)
    return f'<img alt="{html.escape(alt)}" style="max-width:100%" src="data:image/png;base64,{encoded}">'
