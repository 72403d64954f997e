"""Redis master + replica watched by three sentinels (master name `cp-ha`), and ONE private
Redis for restart scenarios. Sentinel rewrites the config files, so they are written once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis

from .procs import HaError, Step, alive, kill9, read_pid, spawn, terminate, wait_for

MASTER_NAME = "cp-ha"
BOOT_TIMEOUT = 30.0
FAILOVER_TIMEOUT = 30.0  # down-after 2 s, then the vote and the promotion


def _client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)


def _answers(port: int) -> bool:
    try:
        return bool(_client(port).ping())
    except redis.RedisError:
        return False


@dataclass(frozen=True)
class RedisProcess:
    name: str  # redis1, sentinel2
    port: int
    base: Path  # its own directory: conf, data, pid file
    log: Path

    @property
    def conf(self) -> Path:
        return self.base / f"{self.name}.conf"

    @property
    def pidfile(self) -> Path:
        return self.base / f"{self.name}.pid"

    def launch(self, sentinel: bool = False) -> None:
        if alive(read_pid(self.pidfile)):
            return
        argv = ["redis-server", str(self.conf), *(["--sentinel"] if sentinel else [])]
        self.pidfile.write_text(str(spawn(argv, self.log, cwd=self.base)))

    def wait_up(self) -> None:
        pid = read_pid(self.pidfile)

        def up() -> bool:
            if not alive(pid):
                raise HaError(f"{self.name} exited while starting; read {self.log}")
            return _answers(self.port)

        wait_for(up, f"{self.name} answering on :{self.port}", BOOT_TIMEOUT, self.log)

    def stop(self) -> None:
        terminate(read_pid(self.pidfile), self.name)

    def kill(self) -> None:
        kill9(read_pid(self.pidfile))


def _server_conf(proc: RedisProcess, replica_of: int | None, persistent: bool = True) -> str:
    lines = [
        "bind 127.0.0.1",
        f"port {proc.port}",
        f"dir {proc.base}",
        "daemonize no",
        'save ""',
        f"appendonly {'yes' if persistent else 'no'}",
        # A replica on this machine announces 127.0.0.1, which sentinels can reach.
        "replica-announce-ip 127.0.0.1",
    ]
    if replica_of is not None:
        lines.append(f"replicaof 127.0.0.1 {replica_of}")
    return "\n".join(lines) + "\n"


def _sentinel_conf(proc: RedisProcess, master_port: int) -> str:
    return (
        f"bind 127.0.0.1\nport {proc.port}\ndir {proc.base}\ndaemonize no\n"
        "sentinel announce-ip 127.0.0.1\n"
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2\n"
        f"sentinel down-after-milliseconds {MASTER_NAME} 2000\n"
        f"sentinel failover-timeout {MASTER_NAME} 10000\n"
        f"sentinel parallel-syncs {MASTER_NAME} 1\n"
    )


class SentinelRedis:
    """servers[0] starts as master, the rest as its replicas; sentinels watch them."""

    def __init__(self, servers: list[RedisProcess], sentinels: list[RedisProcess]) -> None:
        self.servers = servers
        self.sentinels = sentinels

    def start(self) -> None:
        master = self.servers[0]
        for proc in self.servers:
            proc.base.mkdir(parents=True, exist_ok=True)
            if not proc.conf.exists():
                replica_of = None if proc is master else master.port
                proc.conf.write_text(_server_conf(proc, replica_of))
            proc.launch()
        for proc in self.sentinels:
            proc.base.mkdir(parents=True, exist_ok=True)
            if not proc.conf.exists():
                proc.conf.write_text(_sentinel_conf(proc, master.port))
            proc.launch(sentinel=True)
        for proc in [*self.servers, *self.sentinels]:
            with Step(f"starting {proc.name} on :{proc.port}"):
                proc.wait_up()
        with Step("waiting for the sentinels to agree on the master and see its replica"):
            self.wait_settled(BOOT_TIMEOUT)

    def stop(self) -> None:
        for proc in [*self.sentinels, *self.servers]:
            proc.stop()

    # --- state ----------------------------------------------------------------------------

    def _by_port(self, port: int) -> RedisProcess:
        for proc in self.servers:
            if proc.port == port:
                return proc
        raise HaError(f"sentinels name a master on :{port}, which is not one of ours")

    def master_votes(self) -> list[int | None]:
        """What each sentinel says the master's port is (None: it does not answer)."""
        votes: list[int | None] = []
        for proc in self.sentinels:
            try:
                found = _client(proc.port).sentinel_get_master_addr_by_name(MASTER_NAME)
            except redis.RedisError:
                found = None
            votes.append(int(found[1]) if isinstance(found, tuple) else None)
        return votes

    def agreed_master(self) -> RedisProcess | None:
        votes = self.master_votes()
        if votes[0] is not None and all(v == votes[0] for v in votes):
            return self._by_port(votes[0])
        return None

    def master(self, timeout: float = FAILOVER_TIMEOUT) -> RedisProcess:
        return wait_for(
            self.agreed_master, "the sentinels agreeing on a master", timeout, self._logs
        )

    @property
    def _logs(self) -> Path:
        return self.sentinels[0].log.parent

    def _settled(self) -> RedisProcess | None:
        """The agreed master, once it says it is master and every other server replicates it."""
        master = self.agreed_master()
        if master is None:
            return None
        try:
            if _client(master.port).info("replication").get("role") != "master":
                return None
            for proc in self.servers:
                if proc is master:
                    continue
                info = _client(proc.port).info("replication")
                if info.get("role") != "slave" or info.get("master_port") != master.port:
                    return None
                if info.get("master_link_status") != "up":
                    return None
            known = _client(self.sentinels[0].port).sentinel_slaves(MASTER_NAME)
        except redis.RedisError:
            return None
        # The sentinels must know the replica to promote it on the next failure.
        up = [r for r in known if "s_down" not in str(r.get("flags", ""))]
        return master if len(up) == len(self.servers) - 1 else None

    def wait_settled(self, timeout: float = FAILOVER_TIMEOUT) -> RedisProcess:
        return wait_for(self._settled, "Redis master with its replica in sync", timeout, self._logs)

    # --- faults ---------------------------------------------------------------------------

    def failover(self, timeout: float = FAILOVER_TIMEOUT) -> RedisProcess:
        """SENTINEL FAILOVER; returns the new master once all agree and the old one follows."""
        old = self.wait_settled(timeout)
        try:
            _client(self.sentinels[0].port).sentinel_failover(MASTER_NAME)
        except redis.RedisError as exc:
            raise HaError(f"SENTINEL FAILOVER refused: {exc}") from exc
        wait_for(
            lambda: (m := self.agreed_master()) is not None and m is not old,
            "the sentinels agreeing on a new master",
            timeout,
            self._logs,
        )
        return self.wait_settled(timeout)

    def kill_master(self, timeout: float = FAILOVER_TIMEOUT) -> RedisProcess:
        """kill -9 of the master; once a replica is promoted, the old master is started again
        and (after Sentinel demotes it) follows the new one. Returns the new master."""
        old = self.wait_settled(timeout)
        old.kill()
        new = wait_for(
            lambda: m if (m := self.agreed_master()) not in (None, old) else None,
            f"the sentinels promoting a replica after killing {old.name}",
            timeout,
            self._logs,
        )
        old.launch()
        old.wait_up()
        self.wait_settled(timeout)
        return new


class PrivateRedis:
    """ONE private Redis; `persistent=False` (the default) makes a restart lose its data."""

    def __init__(self, base: Path, port: int, persistent: bool = False) -> None:
        self.proc = RedisProcess("redis", port, base, base / "redis.log")
        self.persistent = persistent

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.proc.port}/0"

    def start(self) -> None:
        self.proc.base.mkdir(parents=True, exist_ok=True)
        self.proc.conf.write_text(_server_conf(self.proc, None, self.persistent))
        self.proc.launch()
        self.proc.wait_up()

    def stop(self) -> None:
        self.proc.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        self.proc.kill()
