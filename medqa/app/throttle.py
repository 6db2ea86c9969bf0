"""One growing wait after wrong secrets, per client, so guessing takes years, not hours.

Every secret the app checks (the chat coordinator's password, the study coordinator's password,
the raters' access codes) goes through one `LoginGate`: one count per client address (the real
peer, medqa.app.peers), whichever secret was guessed. After `free` wrong secrets in a row, each
further try has to wait `base_s * 2**(n - free)` seconds (capped at `max_s`) after the last
failure; a try that comes sooner is refused without the secret even being compared, and does not
extend the wait. A right secret clears the count. Every failure is logged with the client's
address and count, never with what was tried.

A right secret sent during a wait is refused too: answering it would tell a guesser which guess
was right, and the wait would then cost them nothing. What does get through is the owner's page
that has already signed in: for a session that gave a coordinator password right once
(`remember_s`, by Gradio's session id, which only that page holds) the password is compared at
once, whatever others guessed from the same address (a shared hospital NAT), so a coordinator
who is working is never locked out. Otherwise the owner waits out at most the wait shown; see
the README (reader study, access).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("medqa.app")


@dataclass
class _Failures:
    counts: dict[str, int] = field(default_factory=dict)  # wrong tries per secret
    last: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.counts.values())


class LoginThrottle:
    """Per-client failure counts and the wait they impose."""

    def __init__(self, free: int = 3, base_s: float = 1.0, max_s: float = 300.0, forget_s: float = 86400.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base_s, self.max_s, self.forget_s, self.clock = free, base_s, max_s, forget_s, clock
        self.clients: dict[str, _Failures] = {}
        self.locks: dict[str, threading.Lock] = {}
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

    def failed(self, client: str, what: str = "coordinator password") -> None:
        """Count one wrong secret (`what`: which one, for the log) from `client`, and log it."""
        with self.lock:
            self._forget_old()
            failures = self.clients.setdefault(client, _Failures())
            failures.counts[what] = failures.counts.get(what, 0) + 1
            failures.last = self.clock()
            count, wait = failures.count, self.delay(failures.count)
        log.warning("wrong %s from %s (%d in a row; next try allowed in %.0f s)", what, client, count, wait)

    def serial(self, client: str) -> threading.Lock:
        """The lock that makes one client's tries run one at a time: many concurrent guesses from one address
        get no more than `free` comparisons before the wait starts, and honest tries behind one NAT just queue."""
        with self.lock:
            return self.locks.setdefault(client, threading.Lock())

    def succeeded(self, client: str, what: str = "coordinator password") -> None:
        """A right `what`: its wrong tries are forgiven. Only its own: a rater signing in with their own code
        must not wipe the count of coordinator passwords they guessed."""
        with self.lock:
            failures = self.clients.get(client)
            if failures is not None:
                failures.counts.pop(what, None)
                if not failures.counts:
                    del self.clients[client]

    def _forget_old(self) -> None:
        """Drop clients whose last failure is a day old (bounded memory); call with the lock held."""
        now = self.clock()
        stale = [c for c, f in self.clients.items() if now - f.last > self.forget_s]
        for client in stale:
            del self.clients[client]
        if len(self.locks) > 4096:  # unlocked ones only: a try in progress keeps its lock
            for client in [c for c, lock in self.locks.items() if not lock.locked() and c not in self.clients]:
                del self.locks[client]


@dataclass(frozen=True)
class Refusal:
    """Why a secret was not accepted: `compared` False means it was refused unseen (the client must wait
    `wait_s` more seconds); True means it was wrong (and `wait_s` is the wait before the next try)."""

    compared: bool
    wait_s: float


class LoginGate:
    """The one throttle of every secret, keyed on the real client address (see the module doc)."""

    def __init__(self, trusted_proxies=(), throttle: LoginThrottle | None = None, queue_s: float = 10.0) -> None:
        from medqa.app.peers import parse_proxies

        self.proxies = parse_proxies(trusted_proxies)
        self.throttle = throttle or LoginThrottle()
        self.queue_s = queue_s  # how long one client's try may queue behind its others
        self.signed_in: dict[tuple[str, str], float] = {}  # (secret, session id) -> until when it is remembered
        self.signed_lock = threading.Lock()

    def client(self, request) -> str:
        """The address the request is counted under."""
        from medqa.app.peers import peer_address

        return peer_address(request, self.proxies)

    def attempt(self, request, check: Callable[[], bool], what: str, remember_s: float = 0.0) -> Refusal | None:
        """None when `check()` (the secret comparison) passed, else the Refusal. During a wait `check` is not
        called at all. `remember_s`: a session that got `what` right has its secret compared at once for that long,
        never held by a wait that others' guesses from its address caused (the secret itself is still checked, so a
        guessed session id gives nothing)."""
        session = getattr(request, "session_hash", None) if remember_s else None
        if session and self._remembered(what, session):
            return None if check() else Refusal(True, 0.0)
        client = self.client(request)
        serial = self.throttle.serial(client)
        if not serial.acquire(timeout=self.queue_s):  # a flood from one address: refused unseen
            return Refusal(False, max(1.0, self.throttle.wait(client)))
        try:
            wait = self.throttle.wait(client)
            if wait > 0:
                return Refusal(False, wait)
            if check():
                self.throttle.succeeded(client, what)
                if session:
                    self._remember(what, session, remember_s)
                return None
            self.throttle.failed(client, what)
            return Refusal(True, self.throttle.wait(client))
        finally:
            serial.release()

    def _remembered(self, what: str, session: str) -> bool:
        with self.signed_lock:
            return self.signed_in.get((what, session), 0.0) > self.throttle.clock()

    def _remember(self, what: str, session: str, seconds: float) -> None:
        now = self.throttle.clock()
        with self.signed_lock:
            for key in [k for k, until in self.signed_in.items() if until <= now]:  # bounded: expired ones go
                del self.signed_in[key]
            self.signed_in[(what, session)] = now + seconds
