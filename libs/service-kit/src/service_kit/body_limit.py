"""Request bodies no larger than a limit, whatever their framing: the one way services cap them.

`Content-Length` is checked before a byte is read; a body without one (`Transfer-Encoding:
chunked`) is read up to the limit and no further, then handed on whole. Either way a body over
the limit is answered 413 before any middleware or route of the service sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.http_middleware import HttpMiddleware
from service_kit.problems import problem_response


class Disconnected(Exception):
    """The client went away before its body arrived: nothing to run, nobody to answer."""


@dataclass(frozen=True)
class RawBody:
    """`body` is None when the limit was exceeded; `size` is what was declared or read."""

    body: bytes | None
    size: int


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def read_body(receive: Receive, limit: int) -> RawBody:
    """Read the body from the ASGI channel, stopping as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return RawBody(None, size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return RawBody(b"".join(chunks), size)


def replaying(body: bytes, receive: Receive) -> Receive:
    """The body once more, for the app; after it, the real channel (for disconnects)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def read_capped(request: Request, limit: int) -> RawBody:
    """A route's own, smaller cap; read once per request, so every dependency sees the same
    bytes. A declared length over `limit` is refused before reading a byte."""
    cached: RawBody | None = getattr(request.state, "raw_body", None)
    if cached is None:
        declared = declared_length(request.scope)
        if declared is not None and declared > limit:
            cached = RawBody(None, declared)
        else:
            cached = await read_body(request.receive, limit)
        request.state.raw_body = cached
    return cached


class BodyLimitMiddleware(HttpMiddleware):
    """413 for any request body over `max_body_bytes`, before the service reads any of it."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = declared_length(scope)
        if declared is not None:
            # The server frames the body by this length, so it can be no longer.
            if declared > self.max_body_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        try:
            raw = await read_body(receive, self.max_body_bytes)
        except Disconnected:
            return
        if raw.body is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, replaying(raw.body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "Content Too Large",
            slug="too-large",
            detail=f"Request bodies are limited to {self.max_body_bytes} bytes.",
        )
        await response(scope, receive, send)
