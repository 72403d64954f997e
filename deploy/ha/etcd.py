"""A single-member etcd on private ports: the store Patroni keeps its leader key in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from .procs import HaError, Step, alive, read_pid, spawn, terminate, wait_for

BOOT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Etcd:
    base: Path  # data/, etcd.pid
    client_port: int
    peer_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def healthy(self) -> bool:
        try:
            with urlopen(f"{self.url}/health", timeout=1) as response:  # noqa: S310 - loopback
                return bool(json.load(response).get("health") == "true")
        except (URLError, OSError, ValueError):
            return False

    def start(self) -> None:
        pidfile = self.base / "etcd.pid"
        if alive(read_pid(pidfile)) and self.healthy():
            return
        self.base.mkdir(parents=True, exist_ok=True)
        peer = f"http://127.0.0.1:{self.peer_port}"
        with Step(f"starting etcd on :{self.client_port}"):
            pid = spawn(
                [
                    "etcd",
                    "--name=etcd1",
                    f"--data-dir={self.base / 'data'}",
                    f"--listen-client-urls={self.url}",
                    f"--advertise-client-urls={self.url}",
                    f"--listen-peer-urls={peer}",
                    f"--initial-advertise-peer-urls={peer}",
                    f"--initial-cluster=etcd1={peer}",
                ],
                self.log,
            )
            pidfile.write_text(str(pid))

            def up() -> bool:
                if not alive(pid):
                    raise HaError(f"etcd exited while starting; read {self.log}")
                return self.healthy()

            wait_for(up, f"etcd healthy on :{self.client_port}", BOOT_TIMEOUT, self.log)

    def stop(self) -> None:
        terminate(read_pid(self.base / "etcd.pid"), "etcd")
