"""Raw HTTP/1.1 requests, rendered once before a run, and the file wrk's script cycles through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def render(
    method: str,
    host: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """The exact bytes of one keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in _WITH_BODY:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def write_requests(path: Path, requests: Iterable[bytes]) -> int:
    """Write records `<length>\\n<bytes>` (what bench/wrk/cycle.lua reads); returns the count."""
    count = 0
    with path.open("wb") as out:
        for raw in requests:
            out.write(b"%d\n" % len(raw))
            out.write(raw)
            count += 1
    return count
