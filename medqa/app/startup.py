"""Start-up steps in the log, each with its time: the page is served only once they are done.

On a CPU the demo needs about a minute before it serves its page (libraries, model, warm-up, page);
`step(name)` logs when each step starts and how long it took, and `serving(url)` the total, so the
log says what is loading while the browser still waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("medqa.app")
_START = time.perf_counter()  # this module is imported first thing by demo/app.py


@contextmanager
def step(name: str) -> Iterator[None]:
    """Log `start-up: NAME ...` before the block and `start-up: NAME done in S s (T s since start)` after it."""
    log.info("start-up: %s ...", name)
    began = time.perf_counter()
    yield
    now = time.perf_counter()
    log.info("start-up: %s done in %.1f s (%.1f s since start)", name, now - began, now - _START)


def serving(url: str) -> None:
    """The last start-up line: where the page is, and the whole start-up time."""
    log.info("start-up: serving %s, %.1f s after start", url, time.perf_counter() - _START)
