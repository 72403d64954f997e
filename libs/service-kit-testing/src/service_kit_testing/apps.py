"""A service's app under test: migrated, with its lifespan running, called in-process through
the ASGI stack or served by a real uvicorn server (and called over real HTTP)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from service_kit_testing.infra import TestInfra


async def migrate_service(service_dir: Path, infra: TestInfra) -> None:
    """Run a service's migrations against this run's database (off the event loop)."""
    from service_kit.migrations import upgrade

    await asyncio.to_thread(upgrade, service_dir, infra.database_url)


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running: pools, broker, relay, consumers."""
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def asgi_client(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that calls the app in-process, through the real ASGI stack."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        yield client


@asynccontextmanager
async def served(
    app: FastAPI, *, timeout: float = 30.0, listener: socket.socket | None = None
) -> AsyncIterator[str]:
    """The app behind a real uvicorn server on a free loopback port, with the options every
    service is served with; yields its base URL. For what lives in the server layer (the
    client's address, body framing, headers) an in-process client never exercises. The server
    runs the app's lifespan. Pass a bound `listener` when its address must be known before the
    app is built (a redirect URI registered somewhere); it is closed afterwards either way."""
    import uvicorn

    from service_kit.serve import UVICORN_OPTIONS

    if listener is None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@asynccontextmanager
async def served_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app `served` by a real uvicorn server, its lifespan running."""
    async with served(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


async def chunked(body: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    """`body` sent as `Transfer-Encoding: chunked`: httpx sends no Content-Length for it."""
    for start in range(0, len(body), size):
        yield body[start : start + size]
