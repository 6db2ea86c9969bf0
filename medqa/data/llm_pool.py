"""The LLM build's worker threads: daemon threads, so Ctrl-C never waits for a request still on the wire.

A `ThreadPoolExecutor`'s threads are joined when the interpreter exits, so after Ctrl-C a build
waited for every request in flight to time out (about 40 s with the default timeout) before it
exited. These workers are daemon threads: on an interrupt the caller stops handing out work, waits
`grace_s` for the workers to notice, and goes; a request still on the wire is abandoned (its socket
dies with the process). On any other error the caller waits for the workers, so calls already
paid for are finished and cached.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_DONE = object()


class DaemonPool:
    """`for key, outcome in pool.run(work, items)`: `work(item)` on `workers` daemon threads, outcomes (a result or
    the exception it raised) as they complete."""

    def __init__(self, workers: int, stop: threading.Event) -> None:
        self.workers, self.stop = max(1, workers), stop
        self.threads: list[threading.Thread] = []

    def run(self, work: Callable[[Any], Any], items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        """Outcomes by key, as they complete; stops handing out items once `stop` is set."""
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        count = 0
        for key, item in items:
            todo.put((key, item))
            count += 1

        def worker() -> None:
            while not self.stop.is_set():
                try:
                    key, item = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    done.put((key, work(item)))
                except BaseException as exc:  # handed to the caller, which decides
                    done.put((key, exc))
            done.put((_DONE, None))

        self.threads = [threading.Thread(target=worker, daemon=True, name=f"llm-{k}")
                        for k in range(min(self.workers, count))]
        for thread in self.threads:
            thread.start()
        running = len(self.threads)
        while running:
            key, outcome = done.get()
            if key is _DONE:
                running -= 1
                continue
            yield key, outcome

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for the workers (each at most `timeout_s`; None: until they end)."""
        for thread in self.threads:
            thread.join(timeout_s)
