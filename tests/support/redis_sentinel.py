"""Private Redis engines for tests that kill, freeze or restart them: a master, a replica and
three sentinels on free ports, data in a temporary directory, torn down afterwards.

Never the machine's own Redis: other tests use that one. Shared by the kit's and the services'
tests (`from tests.support.redis_sentinel import ...`); nothing here is runtime code.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from service_kit_testing import free_port_base

MASTER_NAME = "cp-test-master"
START_TIMEOUT = 20.0


@dataclass
class RedisNode:
    """One `redis-server` process of ours, started again on the same port and files at will."""

    name: str
    port: int
    conf: Path
    sentinel: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        command = ["redis-server", str(self.conf)]
        if self.sentinel:
            command.append("--sentinel")
        log = (self.conf.parent / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_until(lambda: _answers(self.port), f"{self.name} listening on {self.port}")

    def kill(self) -> None:
        """kill -9: no shutdown, no save, connections cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """SIGSTOP for the block: connections stay open, nothing is answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def client(self) -> Redis:
        """A plain synchronous client of this one node, for the test's own look."""
        return Redis(host="127.0.0.1", port=self.port, socket_timeout=5, decode_responses=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class SentinelSet:
    master: RedisNode
    replica: RedisNode
    sentinels: list[RedisNode]
    name: str = MASTER_NAME

    @property
    def env(self) -> dict[str, str]:
        """What a service is given to follow this set (REDIS_URL's host is not used)."""
        return {
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels),
            "REDIS_SENTINEL_MASTER": self.name,
        }

    def master_port(self) -> int:
        """The master's port as the first live sentinel names it."""
        for sentinel in self.sentinels:
            if sentinel.process is None:
                continue
            with sentinel.client() as client:
                _, port = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.name)
                return int(port)
        raise AssertionError("no sentinel running")

    def node_at(self, port: int) -> RedisNode:
        return self.master if self.master.port == port else self.replica

    def failover(self) -> None:
        """`SENTINEL FAILOVER`: the replica is promoted, the master demoted, no one killed."""
        with self.sentinels[0].client() as client:
            client.execute_command("SENTINEL", "FAILOVER", self.name)

    def wait_ready(self) -> None:
        """Until every sentinel knows the master, its replica (in sync) and the two others:
        before that a kill -9 could not reach a quorum."""

        def ready() -> bool:
            for sentinel in self.sentinels:
                with sentinel.client() as client:
                    state = client.sentinel_master(self.name)
                if int(state["num-slaves"]) < 1 or int(state["num-other-sentinels"]) < 2:
                    return False
            with self.node_at(self.master_port()).client() as client:
                replication = client.info("replication")
            return any(
                key.startswith("slave") and value.get("state") == "online"
                for key, value in replication.items()
                if isinstance(value, dict)
            )

        _wait_until(ready, "the sentinels to see the master, its replica and each other")

    def stop(self) -> None:
        for node in [*self.sentinels, self.master, self.replica]:
            node.stop()


@contextmanager
def sentinel_set(*, down_after_ms: int = 1000) -> Iterator[SentinelSet]:
    """A master, its replica and three sentinels (quorum 2), ready; removed on exit."""
    base = free_port_base(count=5)
    root = Path(tempfile.mkdtemp(prefix="cp-sentinel-"))
    master = _data_node(root, "master", base)
    replica = _data_node(root, "replica", base + 1, replica_of=base)
    sentinels = [_sentinel_node(root, i, base + 2 + i, base, down_after_ms) for i in range(3)]
    found = SentinelSet(master, replica, sentinels)
    try:
        for node in [master, replica, *sentinels]:
            node.start()
        found.wait_ready()
        yield found
    finally:
        found.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def lone_redis() -> Iterator[RedisNode]:
    """One private Redis master (no sentinels), for restarts and freezes."""
    root = Path(tempfile.mkdtemp(prefix="cp-redis-"))
    node = _data_node(root, "lone", free_port_base(count=1))
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(root, ignore_errors=True)


def _data_node(root: Path, name: str, port: int, replica_of: int | None = None) -> RedisNode:
    data = root / name
    data.mkdir()
    lines = [
        f"port {port}",
        "bind 127.0.0.1",
        "protected-mode no",
        f"dir {data}",
        'save ""',
        "appendonly no",
        "repl-diskless-sync yes",
        "repl-diskless-sync-delay 0",
    ]
    if replica_of is not None:
        lines.append(f"replicaof 127.0.0.1 {replica_of}")
    conf = root / f"{name}.conf"
    conf.write_text("\n".join(lines) + "\n")
    return RedisNode(name, port, conf)


def _sentinel_node(root: Path, index: int, port: int, master: int, down_ms: int) -> RedisNode:
    conf = root / f"sentinel{index}.conf"  # the sentinel rewrites it: its own file
    conf.write_text(
        "\n".join(
            [
                f"port {port}",
                "bind 127.0.0.1",
                "protected-mode no",
                f"dir {root}",
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2",
                f"sentinel down-after-milliseconds {MASTER_NAME} {down_ms}",
                f"sentinel failover-timeout {MASTER_NAME} 5000",
                f"sentinel parallel-syncs {MASTER_NAME} 1",
            ]
        )
        + "\n"
    )
    return RedisNode(f"sentinel{index}", port, conf, sentinel=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_until(check: object, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + START_TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {START_TIMEOUT}s")
        time.sleep(0.05)
