"""Running one function from many threads at once, as Gradio's workers call the stores."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_in_threads(work: Callable[[Any], None], args: Iterable) -> list[Exception]:
    """`work(arg)` for each arg in its own thread, all released together by a barrier; the exceptions raised."""
    args = list(args)
    barrier, errors = threading.Barrier(len(args)), []

    def run(arg) -> None:
        try:
            barrier.wait()
            work(arg)
        except Exception as exc:  # collected, so the caller's assertion shows every failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
