"""Two (or more) PostgreSQL 15 nodes run by Patroni, leader key in etcd; run as `postgres`
when we are root. Faults: switchover, kill -9 of the leader (Patroni and postmaster)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from .procs import (
    HaError,
    Step,
    alive,
    as_postgres,
    chown_postgres,
    kill9,
    read_pid,
    run,
    spawn,
    terminate,
    wait_for,
)

BIN = Path("/usr/lib/postgresql/15/bin")
SCOPE = "cp-ha"
BOOT_TIMEOUT = 90.0
FAILOVER_TIMEOUT = 45.0  # ttl 10 + loop_wait 2 + retry_timeout 4, and a start of PostgreSQL


@dataclass(frozen=True)
class PatroniNode:
    name: str  # pg1
    pg_port: int
    rest_port: int
    base: Path  # <stack>/pg/<name>/
    log: Path

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def pidfile(self) -> Path:
        return self.base / "patroni.pid"

    def postmaster_pid(self) -> int | None:
        return read_pid(self.data_dir / "postmaster.pid")


# A commit is acknowledged only once the synchronous standby has it, and only that standby is
# promoted: a leader killed right after a commit loses nothing that was acknowledged (with
# asynchronous replication it could, and a consumer that had acked its delivery would never
# see it again). Not strict: a cluster left with one node goes on writing, unreplicated.
SYNCHRONOUS: dict[str, Any] = {"synchronous_mode": True, "synchronous_mode_strict": False}


def _http(
    url: str, body: dict[str, Any] | None = None, *, timeout: float = 3, method: str = ""
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    verb = method or ("POST" if body is not None else "GET")
    request = Request(url, data=data, method=verb)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback Patroni REST API
        raw = response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def psql(
    port_list: list[int], sql: str, database: str = "postgres", *, writable: bool = True
) -> str:
    """Run `sql` on whichever node accepts writes (libpq's target_session_attrs), or with
    `writable=False` on the first node that answers."""
    hosts = ",".join("127.0.0.1" for _ in port_list)
    ports = ",".join(str(p) for p in port_list)
    dsn = (
        f"host={hosts} port={ports} user=postgres dbname={database} connect_timeout=2 "
        f"target_session_attrs={'read-write' if writable else 'any'}"
    )
    done = run([str(BIN / "psql"), dsn, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], timeout=15)
    if done.returncode != 0:
        raise HaError(f"psql: {done.stderr.strip()}")
    return done.stdout.strip()


class PatroniCluster:
    def __init__(self, nodes: list[PatroniNode], etcd_url: str) -> None:
        self.nodes = nodes
        self.etcd_url = etcd_url

    @property
    def ports(self) -> list[int]:
        return [n.pg_port for n in self.nodes]

    def node(self, name: str) -> PatroniNode:
        for node in self.nodes:
            if node.name == name:
                return node
        raise HaError(f"no Patroni node {name!r}; nodes: {[n.name for n in self.nodes]}")

    def _config(self, node: PatroniNode) -> str:
        hba = [
            "local all all trust",
            "host all all 127.0.0.1/32 trust",
            "host replication all 127.0.0.1/32 trust",
        ]
        config = {
            "scope": SCOPE,
            "name": node.name,
            "restapi": {
                "listen": f"127.0.0.1:{node.rest_port}",
                "connect_address": f"127.0.0.1:{node.rest_port}",
            },
            "etcd3": {"hosts": self.etcd_url.removeprefix("http://")},
            "bootstrap": {
                "dcs": {
                    "ttl": 10,
                    "loop_wait": 2,
                    "retry_timeout": 4,
                    "maximum_lag_on_failover": 1048576,
                    # See SYNCHRONOUS below; set again at every start for clusters made before.
                    **SYNCHRONOUS,
                    "postgresql": {"use_pg_rewind": True, "use_slots": True},
                },
                "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{node.pg_port}",
                "connect_address": f"127.0.0.1:{node.pg_port}",
                "data_dir": str(node.data_dir),
                "bin_dir": str(BIN),
                "pgpass": str(node.base / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres"},
                    "replication": {"username": "postgres"},
                },
                "parameters": {
                    "unix_socket_directories": str(node.base),
                    "wal_log_hints": "on",
                    "max_connections": 200,
                },
                "pg_hba": hba,
            },
        }
        # JSON is YAML: no YAML writer needed.
        return json.dumps(config, indent=2)

    # --- start and stop -------------------------------------------------------------------

    def launch(self, node: PatroniNode) -> None:
        if alive(read_pid(node.pidfile)):
            return
        node.base.mkdir(parents=True, exist_ok=True)
        (node.base / "patroni.yml").write_text(self._config(node))
        chown_postgres(node.base)
        # The shell records Patroni's own pid (runuser's would not be the one to kill).
        script = f"echo $$ > {node.pidfile}; exec patroni {node.base / 'patroni.yml'}"
        spawn(as_postgres(["sh", "-c", script]), node.log, cwd=node.base)

    def start(self) -> None:
        for node in self.nodes:
            self.launch(node)
        for node in self.nodes:
            with Step(f"starting Patroni {node.name} (PostgreSQL :{node.pg_port})"):
                wait_for(
                    lambda n=node: self._running(n),  # type: ignore[misc]
                    f"Patroni {node.name} running PostgreSQL",
                    BOOT_TIMEOUT,
                    node.log,
                )
        with Step("waiting for a Patroni leader that answers writes"):
            self.wait_writable(BOOT_TIMEOUT)
        leader = self.node(self.leader())
        _http(f"http://127.0.0.1:{leader.rest_port}/config", SYNCHRONOUS, method="PATCH")

    def stop(self) -> None:
        # Replicas first, so the leader does not fail over to a node about to stop.
        leader = self.leader_or_none()
        for node in sorted(self.nodes, key=lambda n: n.name == leader):
            terminate(read_pid(node.pidfile), f"Patroni {node.name}", timeout=60)
            terminate(node.postmaster_pid(), f"PostgreSQL {node.name}")

    # --- state ----------------------------------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        for node in self.nodes:
            try:
                found = _http(f"http://127.0.0.1:{node.rest_port}/cluster")
            except (URLError, OSError, ValueError):
                continue
            return list(found.get("members", []))
        raise HaError(f"no Patroni REST API answers; read {self.nodes[0].log}")

    def _running(self, node: PatroniNode) -> bool:
        try:
            state = _http(f"http://127.0.0.1:{node.rest_port}/patroni")
        except HTTPError as exc:  # 503 from a replica's health check still carries the state
            state = json.loads(exc.read() or b"{}")
        except (URLError, OSError, ValueError):
            return False
        return bool(state.get("state") == "running")

    def leader_or_none(self) -> str | None:
        try:
            members = self.members()
        except HaError:
            return None
        return next((str(m["name"]) for m in members if m.get("role") == "leader"), None)

    def leader(self, timeout: float = FAILOVER_TIMEOUT) -> str:
        return wait_for(self.leader_or_none, "a Patroni leader", timeout, self.nodes[0].log)

    def wait_writable(self, timeout: float = FAILOVER_TIMEOUT) -> str:
        """Returns the leader's name once a read-write session can write (assign an xid)."""

        def writable() -> str | None:
            try:
                psql(self.ports, "SELECT txid_current()")
            except HaError:
                return None
            return self.leader_or_none()

        return wait_for(writable, "a writable PostgreSQL leader", timeout, self.nodes[0].log)

    def wait_replicas(self, timeout: float = BOOT_TIMEOUT) -> None:
        """Until every member runs and each replica knows its lag (a switchover needs one)."""

        def ready() -> bool:
            members = self.members()
            return len(members) == len(self.nodes) and all(
                m.get("state") in ("running", "streaming")
                and (m.get("role") == "leader" or isinstance(m.get("lag"), int))
                for m in members
            )

        wait_for(ready, "every Patroni member running", timeout, self.nodes[-1].log)

    def ensure_database(self, name: str) -> None:
        # `name` is one of our own constants, never input.
        exists = psql(self.ports, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if not exists:
            psql(self.ports, f'CREATE DATABASE "{name}"')

    def wait_database_everywhere(self, name: str, timeout: float = BOOT_TIMEOUT) -> None:
        """Until every node has database `name`: a client of a multi-host URL stops at the first
        host's "does not exist", so a database just created on the leader is not usable until
        the replicas have replayed its creation (longer on a loaded machine)."""
        query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - our own name

        def replicated() -> bool:
            try:
                return all(psql([n.pg_port], query, writable=False) for n in self.nodes)
            except HaError:
                return False

        wait_for(replicated, f"database {name} on every Patroni node", timeout, self.nodes[0].log)

    # --- faults ---------------------------------------------------------------------------

    def switchover(self, timeout: float = FAILOVER_TIMEOUT) -> str:
        """Planned: the leader hands over to a replica; returns the new leader's name."""
        self.wait_replicas()
        old = self.leader()
        candidate = next(n for n in self.nodes if n.name != old)
        rest = self.node(old).rest_port
        try:
            _http(
                f"http://127.0.0.1:{rest}/switchover",
                {"leader": old, "candidate": candidate.name},
                # Patroni answers once the switchover is done: seconds on a loaded machine.
                timeout=timeout,
            )
        except HTTPError as exc:
            raise HaError(f"Patroni refused the switchover: {exc.read().decode()}") from exc
        wait_for(
            lambda: self.leader_or_none() == candidate.name,
            f"{candidate.name} leading after the switchover",
            timeout,
            candidate.log,
        )
        self.wait_writable(timeout)
        return candidate.name

    def kill_leader(self, timeout: float = FAILOVER_TIMEOUT) -> str:
        """kill -9 of the leader's Patroni and postmaster; once another node leads, the killed
        Patroni is started again and rejoins as a replica. Returns the new leader's name."""
        self.wait_replicas()
        old = self.node(self.leader())
        kill9(read_pid(old.pidfile))
        kill9(old.postmaster_pid())
        started = time.monotonic()
        new = wait_for(
            lambda: name if (name := self.leader_or_none()) not in (None, old.name) else None,
            f"a new Patroni leader after killing {old.name}",
            timeout,
            self.nodes[0].log,
        )
        self.wait_writable(max(1.0, timeout - (time.monotonic() - started)))
        self.launch(old)
        self.wait_replicas()
        return new


class PrivatePostgres:
    """ONE private PostgreSQL 15 (initdb, pg_ctl) for restart scenarios."""

    def __init__(self, base: Path, port: int) -> None:
        self.base = base
        self.port = port
        self.data_dir = base / "data"
        self.log = base / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        done = run(as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data_dir), *args]), timeout=90)
        if done.returncode != 0:
            raise HaError(f"pg_ctl {args[0]} failed: {done.stderr.strip()}; read {self.log}")

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        chown_postgres(self.base)
        if not (self.data_dir / "PG_VERSION").exists():
            init = [str(BIN / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "-A", "trust"]
            done = run(as_postgres(init), timeout=120)
            if done.returncode != 0:
                raise HaError(f"initdb failed: {done.stderr.strip()}")
        if alive(read_pid(self.data_dir / "postmaster.pid")):
            return
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if alive(read_pid(self.data_dir / "postmaster.pid")):
            self._ctl("-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """kill -9 of the postmaster (its backends die with it)."""
        kill9(read_pid(self.data_dir / "postmaster.pid"))
