"""Broker node lists: `RABBITMQ_URLS` (one amqp URL per cluster node) checked at start.

Each node keeps its own URL, so credentials or TLS options may differ from node to node.
Error messages and labels name a node by its place in the list or by host:port only: the
URLs carry passwords.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

_SCHEMES = ("amqp", "amqps")
_DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}


class BrokerNodesError(ValueError):
    """The node list cannot be used; the message carries no part of any URL but its scheme."""


def parse_nodes(spec: str) -> list[str]:
    """The comma-separated URLs of `spec`, each checked; refuse an empty list or entry."""
    parts = [part.strip() for part in spec.split(",")]
    if not any(parts):
        raise BrokerNodesError("lists no broker node")
    for place, part in enumerate(parts, start=1):
        if not part:
            raise BrokerNodesError(f"node {place} is empty (a stray comma?)")
        _check(part, place)
    return parts


def check_node(url: str) -> str:
    """One node URL, checked (the single `RABBITMQ_URL`, where a comma is no separator)."""
    if not url.strip():
        raise BrokerNodesError("is empty")
    _check(url.strip())
    return url.strip()


def node_label(url: str) -> str:
    """`host:port` of a node URL: what logs and readiness may say about it."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{_port(parts)}"


def _check(url: str, place: int | None = None) -> None:
    which = "" if place is None else f"node {place} "
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        shown = parts.scheme or "none"
        raise BrokerNodesError(f"{which}has scheme {shown!r}; use amqp:// or amqps://")
    if not parts.hostname:
        raise BrokerNodesError(f"{which}names no host")
    try:
        _port(parts)
    except ValueError:
        raise BrokerNodesError(f"{which}has an invalid port") from None


def _port(parts: SplitResult) -> int:
    return parts.port or _DEFAULT_PORTS.get(parts.scheme, 5672)
