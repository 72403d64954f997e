"""A small keep-alive HTTP/1.1 client on asyncio streams and httptools.

The saga's load generator sends thousands of requests while the services share the machine's
cores with it; httpx spends several times the CPU per request that this does.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httptools

from bench.http_raw import render

IDLE_REOPEN_SECONDS = 4.0  # uvicorn closes idle connections after 5 s


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Collector:
    """httptools' callbacks: the body, the end of the message, whether the server closes."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.done = False
        self.closing = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"connection" and value.strip().lower() == b"close":
            self.closing = True

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.done = True


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._last_used = 0.0

    async def request(self, raw: bytes) -> Response:
        stale = time.monotonic() - self._last_used > IDLE_REOPEN_SECONDS
        if self._writer is not None and stale:
            self.close()
        reused = self._writer is not None
        try:
            return await self._exchange(raw)
        except ConnectionError:
            if not reused:
                raise
            # The server closed a kept-alive connection before reading: send once more.
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        collector = _Collector()
        parser = httptools.HttpResponseParser(collector)
        try:
            self._writer.write(raw)
            while not collector.done:
                data = await self._reader.read(65536)
                if not data:
                    raise ConnectionError("connection closed by the server")
                parser.feed_data(data)
        except (OSError, httptools.HttpParserError) as exc:
            self.close()
            raise ConnectionError(str(exc)) from exc
        self._last_used = time.monotonic()
        if collector.closing:
            self.close()
        return Response(parser.get_status_code(), bytes(collector.body))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class Pool:
    """At most `size` connections to one origin; a request waits for a free one."""

    def __init__(self, base_url: str, size: int, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        assert parts.hostname is not None
        assert parts.port is not None
        self._host_header = f"{parts.hostname}:{parts.port}"
        self._headers = headers or {}
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(parts.hostname, parts.port) for _ in range(size)]
        for conn in self._all:
            self._idle.put_nowait(conn)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        merged = {**self._headers, **(headers or {})}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            merged["Content-Type"] = "application/json"
        raw = render(method, self._host_header, path, headers=merged, body=body)
        conn = await self._idle.get()
        try:
            return await conn.request(raw)
        finally:
            self._idle.put_nowait(conn)

    def close(self) -> None:
        for conn in self._all:
            conn.close()
