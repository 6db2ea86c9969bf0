"""When the demo deletes an uploaded file: only uploads, and only once no session is reading it.

Gradio copies every upload into its cache, and the demo deletes that copy soon after reading it (a
DICOM file carries identifying tags); each session keeps its own decoded copy of the image, never
the file. Two things make "delete it after reading" unsafe:

* Gradio names an upload by a hash of its bytes, so two sessions uploading the same film at once
  get the same path: the first to finish reading must not delete the file the second is about to
  read (that was "cannot read file" in 2 of 20 simultaneous uploads).
* The /upload event takes a `FileData` whose path any client can set to any file in the cache:
  deleting whatever path an event names would let one client delete another's files.

So a file is deleted only when
* Gradio's upload route wrote it (it is in the app's set of uploaded files): images the app
  shows and other files in the cache are never deleted by an event;
* no session is reading it (a count of readers per path), and none has started for `grace_s`
  after the last one finished: a second upload of the same bytes is followed by its own event
  within moments, and finds the file still there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from pathlib import Path

log = logging.getLogger("medqa.app")
GRACE_S = 30.0  # how long a read upload stays for a second session that sent the same bytes


def launched_uploads() -> Collection[str] | None:
    """The paths Gradio's upload route wrote for the app serving this request (the launched Blocks); None when
    this Gradio does not say."""
    from gradio.context import LocalContext

    return getattr(LocalContext.blocks.get(None), "upload_file_set", None)


def _timer(delay_s: float, action: Callable[[], None]) -> Callable[[], None]:
    """Run `action` after `delay_s` on a daemon timer; the function that cancels it."""
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()
    return timer.cancel


class UploadLedger:
    """Readers per uploaded file and the deletions waiting for them; see the module doc for the rule.

    `uploaded` returns the paths Gradio's upload route wrote, or None when it cannot tell: then
    nothing is deleted by an event (Gradio's own cache expiry still removes the files). `schedule`
    runs a deletion later and returns its cancel function (a timer; the tests pass their own clock).
    """

    def __init__(self, uploaded: Callable[[], Collection[str] | None] = launched_uploads,
                 grace_s: float | None = None,
                 schedule: Callable[[float, Callable[[], None]], Callable[[], None]] = _timer) -> None:
        self.uploaded, self.schedule = uploaded, schedule
        self.grace_s = GRACE_S if grace_s is None else grace_s
        self.readers: dict[Path, int] = {}
        self.pending: dict[Path, Callable[[], None]] = {}
        self.lock = threading.Lock()

    def claim(self, path: Path, session_id: str) -> None:
        """`session_id` starts reading `path` (call before opening it): no deletion happens until it is done."""
        path = Path(path).resolve()
        with self.lock:
            self.readers[path] = self.readers.get(path, 0) + 1
            cancel = self.pending.pop(path, None)
        if cancel is not None:
            cancel()

    def is_upload(self, path: Path) -> bool:
        """Whether Gradio's upload route wrote `path`."""
        uploaded = self.uploaded()
        if uploaded is None:
            log.warning("this Gradio does not list its uploads: %s is left for its cache expiry", Path(path).name)
            return False
        return str(path) in uploaded or str(Path(path).resolve()) in uploaded

    def discard(self, path: Path, session_id: str) -> bool:
        """`session_id` has read `path`; when it was the last reader and the file is an upload, its deletion is
        scheduled (after `grace_s`). True when a deletion was scheduled."""
        given, path = Path(path), Path(path).resolve()
        upload = self.is_upload(given)
        with self.lock:
            left = self.readers.get(path, 1) - 1
            if left > 0:
                self.readers[path] = left
                return False
            self.readers.pop(path, None)
            if not upload or path in self.pending:
                return False
            if self.grace_s <= 0:  # no grace: deleted now
                path.unlink(missing_ok=True)
                return True
            self.pending[path] = self.schedule(self.grace_s, lambda: self._delete(path))
        return True

    def _delete(self, path: Path) -> None:
        with self.lock:
            if self.readers.get(path):  # a reader came after all: its own discard schedules again
                return
            self.pending.pop(path, None)
            path.unlink(missing_ok=True)
