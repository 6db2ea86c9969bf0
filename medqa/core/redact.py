"""Keeping credentials out of logs, skip lists, metadata and cards.

An API error body may echo the key it was sent (`Bearer sk-...`), and a base URL may carry a
user and password or an `api-key=` parameter. Whatever medqa writes or logs passes through
`redact` (text) or `redact_url` (a URL it records), which replace the secret parts with `***`.

A known secret (the LLM's API key) is masked in every form text can carry it in: as is, JSON-escaped,
`\\u`-escaped (as a JSON error body may quote it) and URL-quoted, in any mix. `register_secret` adds a value to
the ones every `redact` and `mask_secrets` call masks, so a path that forgot to pass it still hides
it; `mask_secrets` masks only those exact values (for a model's own text, where the shape-based
rules could touch ordinary words).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]+@")
_QUERY = re.compile(r"(?i)([?&;](?:api[-_]?key|key|token|access[-_]?token|auth|password|passwd|pwd|secret|"
                    r"client[-_]?secret|sig|signature|code)=)[^&#\s\"']*")
_SCHEME = re.compile(r"(?i)\b(bearer(?=\s+[A-Za-z0-9._~+/\-]{6,})|basic(?=\s+[A-Za-z0-9+/]*[0-9+/=]))(\s+)"
                     r"[A-Za-z0-9._~+/\-]{6,}=*")
_FIELD = re.compile(r"(?i)([\"']?(?:api[-_]?key|authorization|password|passwd|secret|access[-_]?token|"
                    r"x-api-key)[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*|(?:bearer|basic)\s)[^\"'\s,;}&]+")
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{8,}|\bhf_[A-Za-z0-9]{10,}|\bAIza[0-9A-Za-z_\-]{20,}")


_REGISTERED: set[str] = set()
_REGISTERED_LOCK = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask `value` in every later redact()/mask_secrets() call and every log record of this process (values
    under 4 characters are not secrets worth the false hits)."""
    if value and len(value) >= 4:
        with _REGISTERED_LOCK:
            _REGISTERED.add(value)
        _mask_log_records()


_LOG_MASKING = []


def _mask_log_records() -> None:
    """Every log record's message, once formatted, loses the registered secrets (a library's own log line, an
    exception text a caller forgot to redact). Installed once, in front of whatever record factory is there."""
    with _REGISTERED_LOCK:
        if _LOG_MASKING:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):
            record = previous(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a malformed call: leave it to logging to report
                return record
            masked = mask_secrets(message)
            if masked != message:
                record.msg, record.args = masked, ()
            return record

        logging.setLogRecordFactory(factory)
        _LOG_MASKING.append(factory)


def _char_forms(c: str) -> str:
    """A regex for one character of a secret: itself, \\uXXXX (either case of hex), %XX, or a JSON escape."""
    forms = [re.escape(c), f"\\\\u{ord(c):04x}"]
    if ord(c) < 128:
        forms.append(f"%{ord(c):02x}")
    if c in '"\\/':
        forms.append(re.escape("\\" + c))
    if c == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


def secret_pattern(secret: str) -> re.Pattern:
    """A regex that finds `secret` in text in any mix of its forms: as is, JSON- or \\u-escaped, URL-quoted."""
    return re.compile("".join(_char_forms(c) for c in secret), re.IGNORECASE)


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every form of the given and registered secrets replaced by ***, nothing else touched."""
    if not text:
        return text
    with _REGISTERED_LOCK:
        values = {s for s in (*secrets, *_REGISTERED) if s and len(s) >= 4}
    for value in sorted(values, key=len, reverse=True):
        text = _pattern(value).sub(MASK, text)
    return text


@functools.lru_cache(maxsize=64)
def _pattern(value: str) -> re.Pattern:
    return secret_pattern(value)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with credentials replaced by ***: the given and registered secret values in any form, then anything
    shaped like one."""
    if not text:
        return text
    text = mask_secrets(text, secrets)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    text = _SCHEME.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _FIELD.sub(lambda m: m.group(1) + MASK, text)
    return _KEYLIKE.sub(MASK, text)


def redact_url(url: str | None) -> str | None:
    """A URL fit to record: no user, password or secret query parameter."""
    return None if url is None else redact(url)
