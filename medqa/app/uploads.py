"""Which uploaded files the demo may delete: only uploads, and only by the session that brought them.

Gradio copies every upload into its cache, and the demo deletes that copy as soon as it has read
it (a DICOM file carries identifying tags). But the /upload event takes a `FileData` whose path
any client can set to any file in the cache: deleting whatever path an event names would let one
client delete another's files (an upload in flight, the coordinator's plot, a shown image).

So a file is deleted only when
* Gradio's upload route wrote it (it is in the app's set of uploaded files): images the app
  shows, plots and exports are never deleted by an event;
* and this session is the first to use it: a second session naming the same path reads it, but
  never deletes it. A path is a salted hash that only the uploader is told, so in practice the
  first session to name an upload is the one that sent it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from pathlib import Path

log = logging.getLogger("medqa.app")


def launched_uploads() -> Collection[str] | None:
    """The paths Gradio's upload route wrote for the app serving this request (the launched Blocks, which is
    the study's around the chat demo when there is one); None when this Gradio does not say."""
    from gradio.context import LocalContext

    return getattr(LocalContext.blocks.get(None), "upload_file_set", None)


class UploadLedger:
    """The session that first used each uploaded file; see the module doc for the rule.

    `uploaded` returns the paths Gradio's upload route wrote, or None when it cannot tell: then
    nothing is deleted by an event (Gradio's own cache expiry still removes the files).
    """

    def __init__(self, uploaded: Callable[[], Collection[str] | None] = launched_uploads) -> None:
        self.uploaded = uploaded
        self.owners: dict[Path, str] = {}
        self.lock = threading.Lock()

    def claim(self, path: Path, session_id: str) -> bool:
        """Record `session_id` as the user of `path` if it is the first (call before reading the file);
        True when the session owns it."""
        with self.lock:
            owner = self.owners.setdefault(Path(path).resolve(), session_id)
        return owner == session_id

    def is_upload(self, path: Path) -> bool:
        """Whether Gradio's upload route wrote `path`."""
        uploaded = self.uploaded()
        if uploaded is None:
            log.warning("this Gradio does not list its uploads: %s is left for its cache expiry", Path(path).name)
            return False
        return str(path) in uploaded or str(Path(path).resolve()) in uploaded

    def discard(self, path: Path, session_id: str) -> bool:
        """Delete `path` if this session claimed it first and it is an upload; True when it was deleted."""
        given, path = Path(path), Path(path).resolve()
        with self.lock:
            owner = self.owners.get(path)
        if owner != session_id or not self.is_upload(given):
            return False
        path.unlink(missing_ok=True)
        with self.lock:
            self.owners.pop(path, None)  # the same bytes uploaded again later make a new file to claim
        return True
