"""Who is on the other end: the socket peer, or `X-Forwarded-For` only via trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Annotated

from pydantic import BeforeValidator, IPvAnyNetwork
from pydantic_settings import NoDecode
from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def split_commas(value: object) -> object:
    """An environment variable's comma list as a list (other values pass through)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# `TRUSTED_PROXIES=10.0.0.5,10.1.0.0/16`: IPs or CIDR ranges; anything else refuses to start.
TrustedProxies = Annotated[tuple[IPvAnyNetwork, ...], NoDecode, BeforeValidator(split_commas)]


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_ip(connection: HTTPConnection, proxies: Sequence[Network]) -> str:
    """The peer's address; when the peer is a trusted proxy, the nearest untrusted hop it saw.

    `X-Forwarded-For` is read right to left: each trusted proxy appends the address it was
    called from, so everything left of the first untrusted hop may be forged by the client.
    `Forwarded` and `X-Real-IP` are never read, from anyone: a proxy we trust must speak
    `X-Forwarded-For`, and one header to reason about leaves no second one to forge.
    """
    peer = connection.client.host if connection.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for"))
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # garbage from an untrusted party: fall back to what we know
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer
