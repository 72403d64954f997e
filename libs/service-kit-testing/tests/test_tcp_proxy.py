"""The fault proxy's black hole and latency, over real loopback sockets to an echo server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from service_kit_testing import TcpProxy, tcp_proxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, tcp_proxy("127.0.0.1", port) as forwarding:
        yield forwarding


async def _round_trip(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        return await reader.readexactly(len(payload))
    finally:
        writer.close()


async def test_a_black_hole_holds_bytes_until_let_through_and_loses_none(proxy: TcpProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"before")
    await writer.drain()
    assert await reader.readexactly(6) == b"before"

    proxy.black_hole()
    assert proxy.is_black_hole
    writer.write(b"held")
    await writer.drain()
    held = asyncio.create_task(reader.readexactly(4))
    fresh = asyncio.create_task(_round_trip(proxy.port, b"new connection"))
    done, _ = await asyncio.wait({held, fresh}, timeout=0.5)
    assert done == set(), "nothing crosses a black hole, on open or new connections"

    proxy.let_through()
    assert await held == b"held"
    assert await fresh == b"new connection"
    writer.close()


async def test_latency_delays_every_answer_and_zero_removes_it(proxy: TcpProxy) -> None:
    proxy.latency = 1.0
    slow = asyncio.create_task(_round_trip(proxy.port, b"ping"))
    done, _ = await asyncio.wait({slow}, timeout=0.3)
    assert done == set(), "the answer is delayed by the injected latency"
    assert await slow == b"ping"

    proxy.latency = 0.0
    assert await asyncio.wait_for(_round_trip(proxy.port, b"pong"), timeout=5) == b"pong"


async def test_cut_resets_connections_and_restore_forwards_again(proxy: TcpProxy) -> None:
    await proxy.cut()
    with pytest.raises(ConnectionRefusedError):
        await _round_trip(proxy.port, b"x")
    await proxy.restore()
    assert await _round_trip(proxy.port, b"back") == b"back"
