"""Fetch one file over HTTP into `NAME.part`, resuming what an earlier, interrupted run left there.

The `.part` file only grows by bytes the server sent for exactly that offset (HTTP Range, checked in
the reply's Content-Range), so stopping at any moment (Ctrl-C, a dropped connection, a crash) costs
nothing already fetched: the next run asks for the rest. A server that ignores Range starts the file
again. The caller renames `.part` to the final name once the file is verified.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import httpx
from tqdm import tqdm

log = logging.getLogger("medqa.data")

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class FetchError(RuntimeError):
    """A download that did not complete; the message says why and whether running again resumes it."""


def fetch(url: str, part: Path, size: int, retries: int = 3, progress: bool = True,
          client: httpx.Client | None = None) -> Path:
    """Complete `part` to `size` bytes from `url`, retrying dropped transfers (each retry resumes).

    FetchError when the server refuses (HTTP 4xx at once, 5xx after the retries), offers a file of
    another size, or the transfer keeps failing; the bytes fetched so far stay in `part`.
    """
    own = client is None
    client = client or httpx.Client(follow_redirects=True, timeout=httpx.Timeout(30.0, read=120.0),
                                    headers={"User-Agent": "medqa-download"})
    try:
        for attempt in range(retries + 1):
            try:
                _transfer(client, url, part, size, progress)
                return part
            except _Retryable as exc:
                have = part.stat().st_size if part.exists() else 0
                if attempt == retries:
                    raise FetchError(f"{url}: {exc} after {attempt + 1} attempt(s); {have:,} of {size:,} bytes are "
                                     f"kept in {part}: run the same command again to resume") from None
                wait = min(2 ** attempt, 30)
                log.warning("%s: %s; %s of %s bytes kept, resuming in %ss", url, exc, f"{have:,}", f"{size:,}", wait)
                time.sleep(wait)
    finally:
        if own:
            client.close()
    raise AssertionError("unreachable")


class _Retryable(Exception):
    """A dropped connection or a server error: worth another try from where the file stands."""


def _transfer(client: httpx.Client, url: str, part: Path, size: int, progress: bool) -> None:
    """One request for the rest of the file, appended to `part`."""
    have = part.stat().st_size if part.exists() else 0
    if have == size:
        return
    if have > size:  # not the file the manifest describes: start again
        part.unlink()
        have = 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with client.stream("GET", url, headers=headers) as reply:
            start = _start_offset(reply, url, have, size)
            mode = "ab" if start else "wb"
            with open(part, mode) as f, tqdm(total=size, initial=start, unit="B", unit_scale=True,
                                             unit_divisor=1000, desc=part.name.removesuffix(".part"),
                                             disable=not progress) as bar:
                for chunk in reply.iter_bytes():  # as they arrive: a buffer would lose its bytes when the line drops
                    f.write(chunk)
                    bar.update(len(chunk))
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise _Retryable(f"the transfer broke off ({type(exc).__name__}: {exc})") from None
    got = part.stat().st_size
    if got != size:
        raise _Retryable(f"the server sent {got:,} of {size:,} bytes")


def _start_offset(reply: httpx.Response, url: str, have: int, size: int) -> int:
    """Where the reply's bytes go in the file: `have` for a matching 206, 0 for a 200; FetchError otherwise."""
    status = reply.status_code
    if status >= 500:
        raise _Retryable(f"the server answered HTTP {status} {reply.reason_phrase}")
    if status == 416 and have:  # nothing left to send from there: the file on disk is not this one
        raise FetchError(f"{url}: the server has no bytes after {have:,} (HTTP 416) though the manifest says "
                         f"{size:,}; delete the .part file and run again")
    if status not in (200, 206):
        raise FetchError(f"{url}: the server refused the download (HTTP {status} {reply.reason_phrase}); check "
                         "the URL (--base-url) or try again later")
    if status == 200:
        total = reply.headers.get("content-length")
        if total is not None and int(total) != size:
            raise FetchError(f"{url}: the server offers {int(total):,} bytes, the manifest says {size:,}: "
                             "not the file it describes (another --manifest for this mirror?)")
        if have:
            log.warning("%s: the server ignored the resume request; starting the file again", url)
        return 0
    match = _CONTENT_RANGE.fullmatch(reply.headers.get("content-range", "").strip())
    if not match or int(match.group(1)) != have:
        raise FetchError(f"{url}: the server answered the resume request from byte {have:,} with "
                         f"Content-Range {reply.headers.get('content-range')!r}; delete the .part file and run again")
    if match.group(3) != "*" and int(match.group(3)) != size:
        raise FetchError(f"{url}: the server offers {int(match.group(3)):,} bytes, the manifest says {size:,}: "
                         "not the file it describes (another --manifest for this mirror?)")
    return have
