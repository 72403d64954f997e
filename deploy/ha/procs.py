"""Processes of the HA stack: started detached with a log file, waited on, killed by pid."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
# Our children, so that they are reaped (and not reported as leaked) once they exit.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class HaError(RuntimeError):
    """A part of the stack did not do what was asked in time; the message names the log."""


def say(message: str) -> None:
    print(f"[ha] {message}", flush=True)


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: every socket is held until all are chosen, since the
    kernel may hand a port it just released to the very next bind."""
    with contextlib.ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def as_postgres(argv: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)


def chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)  # noqa: S603, S607


def spawn(
    argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> int:
    """Start a process in its own session (Ctrl-C of `make` does not reach it); its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own fixed commands
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def run(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own fixed commands
        list(argv),
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
        timeout=timeout,
        check=False,
    )


def alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    if (child := _CHILDREN.get(pid)) is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    return True


def kill9(pid: int | None) -> None:
    if alive(pid):
        assert pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def terminate(pid: int | None, what: str, timeout: float = 30) -> None:
    """SIGTERM to the process group, then SIGKILL when it overstays."""
    if not alive(pid):
        return
    assert pid is not None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            say(f"{what} did not stop within {timeout:.0f} s; killing it")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            kill9(pid)
            break
        time.sleep(0.1)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def wait_for(probe: Callable[[], T | None], what: str, timeout: float, log: Path | str) -> T:
    """The first truthy answer of `probe`, polled until `timeout`; else an error naming `log`."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise HaError(f"{what}: not within {timeout:.0f} s; read {log}")
        time.sleep(0.2)


class Step:
    """`[ha] starting rabbit2 on :5682 … ok (4.1 s)` around a block."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seconds = 0.0

    def __enter__(self) -> Step:
        self._start = time.monotonic()
        print(f"[ha] {self.what} … ", end="", flush=True, file=sys.stdout)
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.seconds = time.monotonic() - self._start
        print("ok" if kind is None else "FAILED", f"({self.seconds:.1f} s)", flush=True)
