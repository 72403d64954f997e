"""A Redis of the suite's own (no persistence), so that restarting it really loses its data
without touching the machine's Redis."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError

from service_kit.chaos import free_port


class PrivateRedis:
    """`redis-server` on a free loopback port with its files in `directory`; `Restartable`."""

    def __init__(self, directory: Path, program: str = "redis-server") -> None:
        self.directory = directory
        self.program = program
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _spawn(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed program and our arguments
                [
                    self.program,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def start(self) -> None:
        self._spawn()
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    if await client.ping():
                        return
                except RedisError:
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()
        raise RuntimeError(f"redis-server on port {self.port} did not answer")

    async def restart(self) -> None:
        """kill -9 and start again: everything it held is gone, as after a crash without AOF."""
        self.kill()
        await self.start()

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()
