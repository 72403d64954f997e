"""`REDIS_SENTINELS` read once, free of I/O: a comma-separated list of `host:port`."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PORT = 65535


@dataclass(frozen=True)
class SentinelAddress:
    host: str
    port: int


class InvalidSentinels(ValueError):
    """The list is not `host:port[,host:port...]`; the message names the bad entry."""


def parse_sentinels(spec: str) -> tuple[SentinelAddress, ...]:
    """Every `host:port` of `spec`, in order; blank entries are skipped, duplicates refused."""
    found: list[SentinelAddress] = []
    for raw in spec.split(","):
        entry = raw.strip()
        if not entry:
            continue
        host, sep, port_text = entry.rpartition(":")
        host = host.strip("[]")  # an IPv6 address is written [::1]:26379
        if not sep or not host or not port_text.isdigit():
            raise InvalidSentinels(f"REDIS_SENTINELS: {entry!r} is not host:port")
        port = int(port_text)
        if not 1 <= port <= MAX_PORT:
            raise InvalidSentinels(f"REDIS_SENTINELS: port {port} of {entry!r} is out of range")
        address = SentinelAddress(host, port)
        if address in found:
            raise InvalidSentinels(f"REDIS_SENTINELS: {entry!r} is listed twice")
        found.append(address)
    return tuple(found)
