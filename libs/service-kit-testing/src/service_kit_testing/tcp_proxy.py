"""Making a dependency really go away in a test: a TCP proxy that can be cut and restored.

Point a client (a database URL, a broker URL) at the proxy's port instead of the real server;
`cut()` refuses new connections and resets the live ones, as a crashed or partitioned server
would; `restore()` listens on the same port again, so the client's configuration stays valid.
`black_hole()` keeps every connection open but lets nothing through, as a partition that drops
packets without a reset would, until `let_through()`; `latency` delays every chunk each way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service_kit_testing.ports import free_port


class TcpProxy:
    """Forwards every connection on `127.0.0.1:port` to `target_host:target_port`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.latency = 0.0  # seconds added before each chunk is passed on, both ways

    @property
    def is_cut(self) -> bool:
        return self._server is None

    @property
    def is_black_hole(self) -> bool:
        return not self._flowing.is_set()

    def black_hole(self) -> None:
        """Hold every byte, both ways, on open and new connections alike; nothing is reset.

        Held bytes stay in the kernel's buffers, so senders stall as they would behind a dead
        link; a client's own timeouts and heartbeats decide when it gives up.
        """
        self._flowing.clear()

    def let_through(self) -> None:
        """End the black hole: what was held flows on, as TCP retransmits after a partition."""
        self._flowing.set()

    async def restore(self) -> None:
        """Listen (again) and forward."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._forward, "127.0.0.1", self.port, reuse_address=True
            )

    async def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _forward(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        await self._flowing.wait()
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.transport.abort()
            return
        self._writers |= {client_w, server_w}
        pipes = {
            asyncio.create_task(self._pipe(client_r, server_w)),
            asyncio.create_task(self._pipe(server_r, client_w)),
        }
        self._pipes |= pipes
        try:
            # Either side closing ends the connection on both.
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            for writer in (client_w, server_w):
                writer.transport.abort()
            self._pipes -= pipes
            self._writers -= {client_w, server_w}

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while True:
                await self._flowing.wait()  # a black hole reads nothing: the sender stalls
                chunk = await reader.read(65536)
                if not chunk:
                    return
                if self.latency:
                    await asyncio.sleep(self.latency)  # the injected delay itself
                await self._flowing.wait()
                writer.write(chunk)
                await writer.drain()


@asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[TcpProxy]:
    """A forwarding `TcpProxy`, cut when the block ends."""
    proxy = TcpProxy(target_host, target_port)
    await proxy.restore()
    try:
        yield proxy
    finally:
        await proxy.cut()
