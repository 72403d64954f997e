"""Free loopback ports, for servers a test or a local run starts on its own."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port free on `host` now (the probe closes it; a race with another process is possible)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def free_port_base(preferred: int | None = None, count: int = 5) -> int:
    """`count` consecutive free ports for `deploy/local_run.py --port-base`: from `preferred`
    if those are free, else anywhere below 60000 (clear of `make run`'s 8000s by chance only)."""
    if preferred is not None and all(_port_free(preferred + i) for i in range(count)):
        return preferred
    for _ in range(50):
        base = free_port()
        if base <= 60000 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
