"""Keeping credentials out of logs, skip lists, metadata and cards.

An API error body may echo the key it was sent (`Bearer sk-...`), and a base URL may carry a
user and password or an `api-key=` parameter. Whatever medqa writes or logs passes through
`redact` (text) or `redact_url` (a URL it records), which replace the secret parts with `***`.
"""

from __future__ import annotations

import re
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


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with credentials replaced by ***: the given secret values, then anything shaped like one."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    text = _SCHEME.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _FIELD.sub(lambda m: m.group(1) + MASK, text)
    return _KEYLIKE.sub(MASK, text)


def redact_url(url: str | None) -> str | None:
    """A URL fit to record: no user, password or secret query parameter."""
    return None if url is None else redact(url)
