"""PostgreSQL's cost of a durable commit on this disk: `pg_test_fsync`, first section only.

Every commit waits for one WAL flush, so the ops/sec of the server's `wal_sync_method` bounds
what a single connection can commit per second (group commit lets many share one flush).
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

_FIRST_SECTION = "Compare file sync methods using one 8kB write"
_NEXT_SECTION = "Compare file sync methods using two 8kB writes"
_LINE = re.compile(r"^\s+(\w+)\s+([\d.]+) ops/sec\s+(\d+) usecs/op", re.M)


def parse_one_write_section(output: str) -> dict[str, float]:
    """Ops/sec of each method in the "one 8kB write" section (methods marked n/a are left out)."""
    if _FIRST_SECTION not in output:
        raise ValueError("no 'one 8kB write' section in pg_test_fsync output")
    section = output.split(_FIRST_SECTION, 1)[1].split(_NEXT_SECTION, 1)[0]
    return {name: float(ops) for name, ops, _ in _LINE.findall(section)}


def find_binary(server_major: str | None) -> str | None:
    """On PATH, else Debian's /usr/lib/postgresql/<major>/bin (the server's major first)."""
    if on_path := shutil.which("pg_test_fsync"):
        return on_path
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_test_fsync"), reverse=True)
    preferred = [c for c in candidates if server_major and f"/{server_major}/" in c]
    found = preferred or candidates
    return found[0] if found else None


async def measure(
    wal_sync_method: str, server_major: str | None, directory: str | None
) -> dict[str, Any]:
    """Run pg_test_fsync (1 s per method) and stop after the first section (~5 s).

    `directory` should be on the same file system as the server's data directory; the
    temporary file goes there (falling back to the system's temporary directory).
    """
    binary = find_binary(server_major)
    if binary is None:
        return {"available": False, "reason": "pg_test_fsync not found"}
    where = directory if directory and os.access(directory, os.W_OK) else tempfile.gettempdir()
    target = Path(tempfile.mkdtemp(prefix="bench-fsync-", dir=where)) / "probe"
    proc = await asyncio.create_subprocess_exec(
        binary,
        "-s",
        "1",
        "-f",
        str(target),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    output = ""
    try:
        async with asyncio.timeout(60):
            while line := await proc.stdout.readline():
                output += line.decode(errors="replace")
                if _NEXT_SECTION in output:
                    break
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
        shutil.rmtree(target.parent, ignore_errors=True)
    methods = parse_one_write_section(output)
    return {
        "available": True,
        "binary": binary,
        "directory": str(target.parent.parent),
        "same_device_as_data": _same_device(where, directory),
        "wal_sync_method": wal_sync_method,
        "ops_per_sec": methods.get(wal_sync_method),
        "all_methods_ops_per_sec": methods,
    }


def _same_device(a: str, b: str | None) -> bool | None:
    try:
        return b is not None and os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return None
