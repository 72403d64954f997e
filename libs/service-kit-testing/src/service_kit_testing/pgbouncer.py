"""A private PgBouncer in transaction mode in front of a test's PostgreSQL: its own port, its own
configuration directory, stopped and removed at the end. Debian's package provides the program
(`make ha-packages`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from service_kit_testing.ports import free_port
from service_kit_testing.processes import stop_process

PROGRAM = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")


@dataclass(frozen=True)
class PgBouncer:
    port: int
    default_pool_size: int
    log: Path

    def url(self, user: str, database: str) -> str:
        return f"postgresql+asyncpg://{user}@127.0.0.1:{self.port}/{database}"


@contextmanager
def pgbouncer(
    server_host: str,
    server_port: int,
    users: Sequence[str],
    *,
    default_pool_size: int = 2,
    max_client_conn: int = 2000,
    query_wait_timeout: int = 15,
) -> Iterator[PgBouncer]:
    """PgBouncer with `pool_mode = transaction` for every database of the server, letting
    `users` in without a password (the server decides: the suite's PostgreSQL trusts
    127.0.0.1). At most `default_pool_size` server connections per database and user; a client
    that waits `query_wait_timeout` seconds for one is refused (an error, not a hang)."""
    if not Path(PROGRAM).exists():
        raise RuntimeError(f"{PROGRAM} is missing: `make ha-packages` installs PgBouncer")
    directory = Path(tempfile.mkdtemp(prefix="cp-pgbouncer-"))
    directory.chmod(0o755)  # read by the unprivileged user it runs as under root
    port = free_port()
    (directory / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
pool_mode = transaction
default_pool_size = {default_pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = {max_client_conn}
query_wait_timeout = {query_wait_timeout}
"""
    )
    log = directory / "pgbouncer.log"
    # PgBouncer refuses to run as root; `-u` drops to another user first.
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            [PROGRAM, *as_user, str(directory / "pgbouncer.ini")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, process, log)
        yield PgBouncer(port=port, default_pool_size=default_pool_size, log=log)
    finally:
        stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start: {log.read_text()}") from None
            time.sleep(0.05)
