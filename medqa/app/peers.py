"""Who is asking: the real peer address of a request, with forwarded headers believed only from named proxies.

uvicorn (under Gradio) rewrites a request's client address from `X-Forwarded-For` whenever the
connection comes from 127.0.0.1, unless told otherwise. Any same-host proxy or tunnel then lets
every request name its own address, so a per-client login throttle counts nothing. The app
therefore turns uvicorn's rewriting off (`distrust_forwarded_headers`, before launch) and reads
the forwarded chain itself, only when the connection comes from a proxy the operator named
(`--trusted-proxies`, off by default): the client is the right-most address in the chain that is
not one of those proxies, the one the outermost trusted proxy saw.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable

log = logging.getLogger("medqa.app")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(text: str | Iterable[str] | None) -> tuple[Network, ...]:
    """Addresses or networks (`10.0.0.5`, `10.0.0.0/8`, comma-separated text or a list); ValueError naming a bad
    one."""
    items = text.split(",") if isinstance(text, str) else list(text or ())
    out = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {item!r} is not an IP address or network (e.g. 10.0.0.5 or "
                             "10.0.0.0/8)") from None
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in net for net in proxies)


def peer_address(request, proxies: tuple[Network, ...] = ()) -> str:
    """The client a request comes from: the TCP peer, or, when the peer is a trusted proxy, the right-most
    untrusted address of its X-Forwarded-For chain; 'unknown' without a request."""
    client = getattr(request, "client", None)
    host = str(getattr(client, "host", None) or "unknown")
    if not proxies or not _trusted(_address(host), proxies):
        return host
    headers = getattr(request, "headers", None) or {}
    chain = ",".join(v for k, v in _items(headers) if k.lower() == "x-forwarded-for").split(",")
    for hop in reversed([h for h in chain if h.strip()]):
        address = _address(hop)
        if address is None:  # garbage in the chain: stop at the last proxy we trust rather than believe it
            return host
        if not _trusted(address, proxies):
            return str(address)
    return host


def _items(headers) -> list[tuple[str, str]]:
    if hasattr(headers, "multi_items"):
        return list(headers.multi_items())
    return list(headers.items()) if hasattr(headers, "items") else []


def distrust_forwarded_headers() -> None:
    """Stop uvicorn from rewriting client addresses from forwarded headers in the next launch() (it reads
    FORWARDED_ALLOW_IPS when Gradio makes its server config); `peer_address` does that job, for named proxies."""
    if os.environ.get("FORWARDED_ALLOW_IPS"):
        log.warning("FORWARDED_ALLOW_IPS=%s is ignored: name proxies with --trusted-proxies instead",
                    os.environ["FORWARDED_ALLOW_IPS"])
    os.environ["FORWARDED_ALLOW_IPS"] = ""
