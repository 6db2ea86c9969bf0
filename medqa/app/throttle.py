"""A growing wait after wrong coordinator passwords, per client, so guessing it takes years, not hours.

Without it a client could try about three passwords a second. After `free` wrong passwords in a
row, each further try has to wait `base_s * 2**(n - free)` seconds (capped at `max_s`) after the
last failure; a try that comes sooner is refused without the password even being compared, and
does not extend the wait. A right password clears the count. Every failure is logged with the
client's address and count, never with the password tried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("medqa.app")


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class LoginThrottle:
    """Per-client failure counts and the wait they impose."""

    def __init__(self, free: int = 3, base_s: float = 1.0, max_s: float = 300.0, forget_s: float = 86400.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base_s, self.max_s, self.forget_s, self.clock = free, base_s, max_s, forget_s, clock
        self.clients: dict[str, _Failures] = {}
        self.lock = threading.Lock()

    def delay(self, count: int) -> float:
        """Seconds a client must wait after `count` wrong passwords in a row."""
        return 0.0 if count < self.free else min(self.max_s, self.base_s * 2 ** (count - self.free))

    def wait(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        with self.lock:
            failures = self.clients.get(client)
            if failures is None:
                return 0.0
            return max(0.0, failures.last + self.delay(failures.count) - self.clock())

    def failed(self, client: str) -> None:
        """Count one wrong password from `client`, and log it."""
        with self.lock:
            self._forget_old()
            failures = self.clients.setdefault(client, _Failures())
            failures.count, failures.last = failures.count + 1, self.clock()
            count, wait = failures.count, self.delay(failures.count)
        log.warning("wrong coordinator password from %s (%d in a row; next try allowed in %.0f s)", client, count, wait)

    def succeeded(self, client: str) -> None:
        """A right password: the count starts again."""
        with self.lock:
            self.clients.pop(client, None)

    def _forget_old(self) -> None:
        """Drop clients whose last failure is a day old (bounded memory); call with the lock held."""
        now = self.clock()
        stale = [c for c, f in self.clients.items() if now - f.last > self.forget_s]
        for client in stale:
            del self.clients[client]
