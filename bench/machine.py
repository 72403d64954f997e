"""What a result is worth: the machine, the versions, the commit it measured."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
KEY_PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "pydantic",
    "sqlalchemy",
    "asyncpg",
    "aio-pika",
    "aiormq",
    "redis",
    "structlog",
    "httpx",
    "pyjwt",
    "cryptography",
)
PG_SETTINGS = (
    "server_version",
    "wal_sync_method",
    "synchronous_commit",
    "fsync",
    "shared_buffers",
    "max_connections",
    "data_directory",
)


def machine() -> dict[str, Any]:
    """Cores, memory and CPU model (from /proc on Linux), kernel, load when the run began."""
    cpuinfo = _read("/proc/cpuinfo")
    models = [
        ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")
    ]
    meminfo = {
        ln.split(":")[0]: ln.split(":")[1].strip() for ln in _read("/proc/meminfo").splitlines()
    }
    mem_kb = int(meminfo.get("MemTotal", "0 kB").split()[0])
    return {
        "cpu_model": models[0] if models else platform.processor() or None,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _os_name(),
        "load_average_at_start": list(os.getloadavg()),
    }


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.platform()


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def packages() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in KEY_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


async def postgres_settings(admin_dsn: str) -> dict[str, str]:
    conn = await asyncpg.connect(admin_dsn)
    try:
        return {name: str(await conn.fetchval(f"SHOW {name}")) for name in PG_SETTINGS}
    finally:
        await conn.close()


async def rabbitmq_version(url: str) -> str | None:
    connection = await aio_pika.connect(url)
    try:
        assert connection.transport is not None
        properties: dict[str, Any] = connection.transport.connection.server_properties
        version = properties.get("version")
        return version.decode() if isinstance(version, bytes) else version
    finally:
        await connection.close()


async def redis_version(url: str) -> str | None:
    redis = Redis.from_url(url)
    try:
        info = await redis.info("server")
        return str(info.get("redis_version"))
    finally:
        await redis.aclose()


async def wrk_version(binary: str) -> str | None:
    proc = await asyncio.create_subprocess_exec(
        binary, "-v", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    first = out.decode(errors="replace").splitlines()
    return first[0].strip() if first else None


async def versions(admin_dsn: str, rabbitmq_url: str, redis_url: str, wrk: str) -> dict[str, Any]:
    pg = await postgres_settings(admin_dsn)
    return {
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "postgresql": pg["server_version"],
        "postgresql_settings": pg,
        "rabbitmq": await rabbitmq_version(rabbitmq_url),
        "redis": await redis_version(redis_url),
        "wrk": await wrk_version(wrk),
        "packages": packages(),
        "git": git_commit(),
    }
