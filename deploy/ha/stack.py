"""The control API of the HA stack: `HaStack.load("var/ha/ha.env")`, then break and mend its
engines. Every call waits on the real state (cluster_status, Patroni's /cluster, the
sentinels' answer) within a bound, and raises `HaError` naming the log to read."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from .etcd import Etcd
from .layout import Layout, read_env
from .patroni import PatroniCluster, PatroniNode
from .procs import HaError, say
from .rabbit import RabbitCluster, RabbitNode
from .redis import RedisProcess, SentinelRedis
from .services import Services

PARTS = ("rabbit", "postgres", "redis", "services")
DATABASES = ("controlplane", "tenant_data")


class HaStack:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        base = layout.base
        self.env_file = base / "ha.env"
        self.logs = base / "log"
        rabbit_base = base / "rabbit"
        self.rabbit = RabbitCluster(
            rabbit_base,
            layout.rabbit_epmd,
            [
                RabbitNode(f"rabbit{i}", a, d, rabbit_base)
                for i, (a, d) in enumerate(layout.rabbit, 1)
            ],
        )
        self.etcd = Etcd(base / "etcd", *layout.etcd, log=self.logs / "etcd.log")
        self.patroni = PatroniCluster(
            [
                PatroniNode(f"pg{i}", pg, rest, base / "pg" / f"pg{i}", self.logs / f"pg{i}.log")
                for i, (pg, rest) in enumerate(layout.patroni, 1)
            ],
            self.etcd.url,
        )
        self.redis = SentinelRedis(
            [
                RedisProcess(
                    f"redis{i}", p, base / "redis" / f"redis{i}", self.logs / f"redis{i}.log"
                )
                for i, p in enumerate(layout.redis, 1)
            ],
            [
                RedisProcess(
                    f"sentinel{i}",
                    p,
                    base / "redis" / f"sentinel{i}",
                    self.logs / f"sentinel{i}.log",
                )
                for i, p in enumerate(layout.sentinels, 1)
            ],
        )
        self.services = Services(base, layout.service_base, self.settings)
        self.boot_seconds: dict[str, float] = {}

    # --- making and finding a stack -------------------------------------------------------

    @classmethod
    def create(cls, base: Path | str, service_port_base: int = 8100) -> HaStack:
        """The stack whose env file is in `base`, else a new one on free ports (file written)."""
        env_file = Path(base) / "ha.env"
        if env_file.exists():
            return cls.load(env_file)
        layout = Layout.fresh(Path(base), service_port_base)
        layout.write(env_file)
        return cls(layout)

    @classmethod
    def load(cls, env_file: Path | str) -> HaStack:
        path = Path(env_file)
        if not path.exists():
            raise HaError(f"no HA stack env file at {path}: run `make ha` first")
        return cls(Layout.read(path))

    @property
    def settings(self) -> dict[str, str]:
        """Everything in the env file (service settings and control addresses)."""
        return read_env(self.env_file) if self.env_file.exists() else self.layout.settings()

    # --- start and stop -------------------------------------------------------------------

    def start(
        self, parts: Iterable[str] = PARTS, extra_env: Mapping[str, str] | None = None
    ) -> dict[str, float]:
        """Start the parts asked for (in order), waiting for each; seconds each took.
        `extra_env` is laid over the env file for the services (a tool's own database, mail
        sink, timings); `restart_services` puts them back on the env file alone."""
        wanted = set(parts)
        if unknown := wanted - set(PARTS):
            raise HaError(f"unknown parts {sorted(unknown)}; parts: {PARTS}")
        self.logs.mkdir(parents=True, exist_ok=True)
        for part in PARTS:
            if part not in wanted:
                continue
            started = time.monotonic()
            if part == "rabbit":
                self.rabbit.start()
            elif part == "postgres":
                self.etcd.start()
                self.patroni.start()
                for name in DATABASES:
                    self.patroni.ensure_database(name)
            elif part == "redis":
                self.redis.start()
            else:
                self.services.start(extra_env or {})
            self.boot_seconds[part] = time.monotonic() - started
        return self.boot_seconds

    def restart_services(self, extra_env: Mapping[str, str] | None = None) -> float:
        """Stop the services and start them again with `extra_env`; seconds the start took."""
        self.services.stop()
        return self.start(["services"], extra_env)["services"]

    def stop(self, wipe: bool = False) -> None:
        """Stop whatever of the stack runs (services first); idempotent."""
        say("stopping the services")
        self.services.stop()
        say("stopping Redis and the sentinels")
        self.redis.stop()
        say("stopping Patroni, PostgreSQL and etcd")
        self.patroni.stop()
        self.etcd.stop()
        say("stopping the RabbitMQ nodes")
        self.rabbit.stop()
        if wipe:
            shutil.rmtree(self.layout.base, ignore_errors=True)
            say(f"removed {self.layout.base}")

    # --- RabbitMQ -------------------------------------------------------------------------

    def rabbit_nodes(self) -> list[str]:
        """Every node's name (`rabbit1@localhost` …), running or not."""
        return [n.nodename for n in self.rabbit.nodes]

    def rabbit_running(self) -> list[str]:
        """The nodes cluster_status reports running."""
        return self.rabbit.running_nodes()

    def rabbit_url(self, node: str) -> str:
        return self.rabbit.node(node).url

    def rabbit_stop(self, node: str, whole_node: bool = False) -> None:
        """`stop_app` (the VM stays), or with `whole_node` the node's VM too."""
        target = self.rabbit.node(node)
        if whole_node:
            self.rabbit.stop_node(target)
        else:
            self.rabbit.stop_app(target)

    def rabbit_start(self, node: str) -> None:
        """Back after `rabbit_stop` or `rabbit_kill`; returns once it serves AMQP in the cluster."""
        target = self.rabbit.node(node)
        self.rabbit.bring_back(target)
        self.rabbit.wait_running(len(self.rabbit.nodes))

    def rabbit_kill(self, node: str) -> None:
        """kill -9 of the node's beam."""
        self.rabbit.kill(self.rabbit.node(node))

    def quorum_leader(self, queue: str, vhost: str = "/") -> str:
        return self.rabbit.quorum_leader(queue, vhost)

    def rabbit_connected_node(self, connection_name: str) -> str | None:
        """The node a client connection (by its `connection_name` property) is on, or None."""
        return self.rabbit.connected_node(connection_name)

    # --- PostgreSQL (Patroni) -------------------------------------------------------------

    def pg_leader(self) -> str:
        """The leading Patroni member's name (`pg1`/`pg2`)."""
        return self.patroni.leader()

    def pg_members(self) -> list[dict[str, object]]:
        return self.patroni.members()

    def pg_port(self, member: str) -> int:
        return self.patroni.node(member).pg_port

    def pg_switchover(self) -> str:
        """Planned handover to the replica; returns the new leader once it takes writes."""
        return self.patroni.switchover()

    def pg_kill_leader(self) -> str:
        """kill -9 of the leader's Patroni and postmaster; restarted to rejoin. New leader."""
        return self.patroni.kill_leader()

    def pg_wait_writable(self, timeout: float = 45.0) -> str:
        """Returns the leader's name once a read-write session can write."""
        return self.patroni.wait_writable(timeout)

    # --- Redis (Sentinel) -----------------------------------------------------------------

    def redis_master(self) -> int:
        """The port of the master all three sentinels agree on."""
        return self.redis.master().port

    def redis_ports(self) -> list[int]:
        return [p.port for p in self.redis.servers]

    def redis_kill_master(self) -> int:
        """kill -9 of the master; restarted to rejoin as replica. The new master's port."""
        return self.redis.kill_master().port

    def redis_failover(self) -> int:
        """SENTINEL FAILOVER; the new master's port once the old one follows it."""
        return self.redis.failover().port
