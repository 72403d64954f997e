"""The request body as raw bytes, read no further than a limit."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request


@dataclass(frozen=True)
class RawBody:
    """`body` is None when the limit was exceeded; `size` is what was declared or read."""

    body: bytes | None
    size: int


async def read_capped(request: Request, limit: int) -> RawBody:
    """Read once per request: the rate limit and the route see the same bytes."""
    cached: RawBody | None = getattr(request.state, "raw_body", None)
    if cached is None:
        cached = request.state.raw_body = await _read(request, limit)
    return cached


async def _read(request: Request, limit: int) -> RawBody:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return RawBody(None, int(declared))  # refused before reading a byte
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a missing or lying Content-Length changes nothing
            return RawBody(None, size)
        chunks.append(chunk)
    return RawBody(b"".join(chunks), size)
