"""The paper's method: an LLM (OpenAI chat-completions protocol) turns each report into Chinese Q&A pairs."""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from tqdm import tqdm

from medqa.core.redact import mask_secrets, redact, redact_url, register_secret
from medqa.data import llm_prompt
from medqa.data.llm_cache import ReplyCache
from medqa.data.llm_pool import DaemonPool
from medqa.data.llm_prompt import build_messages, cache_key, parse_reply, scrub
from medqa.data.qa import GenerationStopped, QAPair
from medqa.data.records import Report, SkipLog

log = logging.getLogger("medqa.data")
INTERRUPT_GRACE_S = 1.5  # after Ctrl-C, how long the workers get to notice before the build exits without them


@dataclass
class LLMSettings:
    """Where and how to call the model, how hard to retry, what it costs, and where to cache."""

    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 4
    max_retries: int = 6
    timeout_s: float = 60.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    temperature: float = 0.2
    max_pairs: int = 6
    price_in_per_mtok: float = 0.0
    price_out_per_mtok: float = 0.0
    cache_path: Path | None = None


class LLMFailure(Exception):
    """A report the model could not be made to answer (retries spent, or a non-retryable error)."""


class _Retryable(Exception):
    """One failed attempt worth retrying; `retry_after` is the server's Retry-After, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _FormatRejected(Exception):
    """The server refused `response_format`; the request is resent once without it."""


class _Refused(Exception):
    """HTTP 401/403: the key (or its rights) is wrong for every report, so the whole run stops."""


class _Cancelled(Exception):
    """The run is stopping: no new attempt is made."""


def _retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (the HTTP-date form is ignored: backoff is used instead)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _token_count(usage: dict, name: str) -> int:
    """One usage number; a missing or garbled one counts as 0 rather than failing the call."""
    try:
        return max(0, int(usage.get(name) or 0))
    except (TypeError, ValueError):
        return 0


class _Counters:
    """Run statistics shared by the worker threads."""

    FIELDS = ("calls", "cache_hits", "failures", "retries", "prompt_tokens", "completion_tokens")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.values = dict.fromkeys(self.FIELDS, 0)

    def add(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                self.values[name] += delta

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.values)


class LLMGenerator:
    """QAGenerator that asks an OpenAI-compatible chat model for Chinese Q&A pairs per report."""

    name = "llm"

    def __init__(
        self,
        settings: LLMSettings,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self._client = client
        self._stop = threading.Event()  # set on a refused key or Ctrl-C: no worker starts another attempt
        self._sleep = sleep or self._stop.wait
        self._url = settings.base_url.rstrip("/") + "/chat/completions"
        self._key = os.environ.get(settings.api_key_env, "")
        register_secret(self._key)  # every later redact() in this process masks it, in any form
        # A local vLLM server needs no key: then no Authorization header is sent at all.
        self._headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self._use_response_format = True
        self._counters = _Counters()
        self._rng = random.Random()

    def generate_all(self, reports: Sequence[Report], skips: SkipLog) -> dict[str, list[QAPair]]:
        """Pairs for every report the model answered; empty and failing reports go to `skips`."""
        cache = ReplyCache(self.settings.cache_path) if self.settings.cache_path else None
        own_client = self._client is None
        client = httpx.Client(timeout=self.settings.timeout_s) if own_client else self._client
        try:
            keys, by_key = self._resolve_cached(reports, skips, cache)
            todo = {k: r for k, r in by_key.items() if isinstance(r, Report)}
            results = {k: v for k, v in by_key.items() if isinstance(v, list)}
            called, failed = self._run_calls(client, todo, cache)
            results.update(called)
            if failed and not called:
                first = next(iter(failed.values()))
                raise GenerationStopped(f"every one of the {len(failed)} LLM call(s) failed; the first: {first}")
        finally:
            if own_client:
                client.close()
            if cache is not None:
                cache.close()
        for report in reports:  # skips in input order, and for every copy of a failed report
            key = keys.get(report.uid)
            if key in failed:
                skips.skip("llm failed", report.source or report.uid, failed[key])
        self._counters.add(failures=len(failed))
        return {uid: list(results[key]) for uid, key in keys.items() if key in results}

    def _resolve_cached(
        self, reports: Sequence[Report], skips: SkipLog, cache: ReplyCache | None
    ) -> tuple[dict[str, str], dict[str, Report | list[QAPair]]]:
        """uid -> cache key, and each key -> its cached pairs or the report that still needs a call."""
        keys: dict[str, str] = {}
        by_key: dict[str, Report | list[QAPair]] = {}
        for report in reports:
            if not scrub(report.findings) and not scrub(report.impression):
                skips.skip("empty report", report.source or report.uid, "no findings and no impression")
                continue
            key = cache_key(report, self.settings.model)
            keys[report.uid] = key
            if key in by_key:  # identical content: one call serves every copy
                continue
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                self._counters.add(cache_hits=1)
                by_key[key] = hit.pairs
            else:
                by_key[key] = report
        return keys, by_key

    def _run_calls(
        self, client: httpx.Client, todo: dict[str, Report], cache: ReplyCache | None
    ) -> tuple[dict[str, list[QAPair]], dict[str, str]]:
        """Call the model for each uncached report on a bounded pool: (pairs, failure) by cache key."""
        results: dict[str, list[QAPair]] = {}
        failed: dict[str, str] = {}
        refused: list[str] = []
        pool = DaemonPool(self.settings.concurrency, self._stop)
        outcomes = pool.run(lambda job: self._generate_one(client, job[1], job[0], cache),
                            ((k, (k, r)) for k, r in todo.items()))
        interrupted = False
        try:
            bar = tqdm(outcomes, total=len(todo), desc="llm qa", unit="report", disable=None)
            for key, outcome in bar:
                if isinstance(outcome, LLMFailure):
                    failed[key] = str(outcome)
                elif isinstance(outcome, _Refused):
                    refused.append(str(outcome))
                    self._stop.set()
                elif isinstance(outcome, _Cancelled):
                    pass
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    results[key] = outcome
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            # No new attempts, queued reports dropped. On Ctrl-C the requests on the wire are abandoned within
            # 2 s (their threads are daemons); on a crash or a refused key they finish and are cached (paid for).
            self._stop.set()
            pool.join(INTERRUPT_GRACE_S if interrupted else None)
        if refused:
            raise GenerationStopped(
                f"the LLM endpoint {redact_url(self.settings.base_url)} refused the request ({refused[0]}); check "
                f"the API key in ${self.settings.api_key_env} and its access to {self.settings.model!r}. Stopped "
                f"at once, nothing retried ({self._counters.snapshot()['calls']} call(s) made)")
        return results, failed

    def _generate_one(
        self, client: httpx.Client, report: Report, key: str, cache: ReplyCache | None
    ) -> list[QAPair]:
        """Pairs for one report, retried with backoff; cached the moment they are valid."""
        messages = build_messages(report)
        attempt = 0
        while True:
            if self._stop.is_set():
                raise _Cancelled()
            try:
                pairs, raw, usage = self._attempt(client, messages)
                break
            except _Refused:
                self._stop.set()  # here, not in the caller: the next queued report must not start
                raise
            except _FormatRejected:
                # Not counted as a retry: the same request, minus an option the server lacks.
                log.warning("server rejected response_format; retrying without it")
                self._use_response_format = False
            except _Retryable as exc:
                if attempt >= self.settings.max_retries:
                    raise LLMFailure(f"gave up after {attempt + 1} attempts; last error: {exc}") from exc
                self._counters.add(retries=1)
                self._sleep(self._backoff(attempt, exc.retry_after))
                attempt += 1
        if cache is not None:
            cache.put(
                key,
                model=self.settings.model,
                prompt_version=llm_prompt.PROMPT_VERSION,
                pairs=pairs,
                raw=raw,
                prompt_tokens=usage[0],
                completion_tokens=usage[1],
            )
        return pairs

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry `attempt + 1`: the server's Retry-After, else jittered backoff."""
        if retry_after is not None:
            return retry_after
        s = self.settings
        delay = min(s.backoff_max_s, s.backoff_base_s * (2**attempt))
        # Jitter in [delay/2, delay] spreads out workers that failed together.
        return delay * (0.5 + 0.5 * self._rng.random())

    def _attempt(self, client: httpx.Client, messages: list[dict]) -> tuple[list[QAPair], str, tuple]:
        """One HTTP call: (pairs, raw content, (prompt, completion) tokens) or a classified error."""
        use_format = self._use_response_format
        body: dict = {"model": self.settings.model, "messages": messages}
        body["temperature"] = self.settings.temperature
        if use_format:
            body["response_format"] = {"type": "json_object"}
        self._counters.add(calls=1)
        try:
            resp = client.post(self._url, json=body, headers=self._headers, timeout=self.settings.timeout_s)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timeout after {self.settings.timeout_s}s ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(redact(f"connection error: {type(exc).__name__}: {exc}", [self._key])) from exc
        # An error body may echo the key it was sent ("Incorrect API key provided: Bearer sk-...").
        # Masked before it is cut: a cut key (or its escaped form) would no longer be recognised.
        status, snippet = resp.status_code, redact(" ".join(resp.text.split()), [self._key])[:200]
        if status in (401, 403):
            raise _Refused(f"HTTP {status}: {snippet}")
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}: {snippet}", _retry_after(resp))
        if status == 400 and use_format and "response_format" in resp.text:
            raise _FormatRejected()
        if status >= 400:
            raise LLMFailure(f"HTTP {status} (not retried): {snippet}")
        return self._read_reply(resp)

    def _read_reply(self, resp: httpx.Response) -> tuple[list[QAPair], str, tuple]:
        """Count the usage of a 2xx reply, then validate its content (malformed -> retryable)."""
        try:
            data = resp.json()
        except ValueError as exc:
            text = redact(resp.text, [self._key])[:80]
            raise _Retryable(f"malformed reply: response body is not JSON: {text!r}") from exc
        usage = data.get("usage") if isinstance(data, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        tokens = (_token_count(usage, "prompt_tokens"), _token_count(usage, "completion_tokens"))
        # Tokens are billed even when the content turns out unusable, so count them first.
        self._counters.add(prompt_tokens=tokens[0], completion_tokens=tokens[1])
        try:
            content = data["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("message content is not a string")
        except (KeyError, IndexError, TypeError) as exc:
            raise _Retryable(f"malformed reply: no choices[0].message.content ({exc})") from exc
        # The one door of model text into the cache, the pairs, the folds, the exports and the card: a reply that
        # echoes the key (a prompt-injected report, a proxy that quotes headers) loses it here.
        content = mask_secrets(content, [self._key])
        try:
            pairs = parse_reply(content, self.settings.max_pairs)
        except ValueError as exc:
            raise _Retryable(f"malformed reply: {exc}") from exc
        return pairs, content, tokens

    def card_info(self) -> dict:
        """Model, endpoint, prompt version, call/cache/failure counts, tokens and estimated cost."""
        c = self._counters.snapshot()
        s = self.settings
        cost_in = c["prompt_tokens"] * s.price_in_per_mtok / 1e6
        cost_out = c["completion_tokens"] * s.price_out_per_mtok / 1e6
        return {
            "generator": self.name,
            "model": s.model,
            "base_url": redact_url(s.base_url),  # a user:password@ or ?api-key= must not reach the card
            "prompt_version": llm_prompt.PROMPT_VERSION,
            "temperature": s.temperature,
            "max_pairs": s.max_pairs,
            **c,
            "estimated_cost_usd": cost_in + cost_out,
            "cache_path": str(s.cache_path) if s.cache_path else None,
        }
