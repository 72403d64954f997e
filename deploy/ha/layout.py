"""Where every part of one HA stack lives: ports and directories, kept in ONE env file
(`var/ha/ha.env`) that services, tools and `HaStack.load` all read."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .procs import free_ports

SERVICES = ("tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier")


@dataclass(frozen=True)
class Layout:
    base: Path
    rabbit: tuple[tuple[int, int], ...]  # (amqp, dist) per node
    rabbit_epmd: int
    etcd: tuple[int, int]  # (client, peer)
    patroni: tuple[tuple[int, int], ...]  # (postgres, rest) per node
    redis: tuple[int, ...]  # master first, then replica
    sentinels: tuple[int, ...]
    service_base: int  # tenant-api's port; the others follow

    @classmethod
    def fresh(cls, base: Path, service_base: int) -> Layout:
        """Free ports now (the kernel's choice), so two stacks on one machine never clash."""
        # 3 RabbitMQ nodes (AMQP, distribution), epmd, etcd (client, peer), 2 Patroni nodes
        # (PostgreSQL, REST), 2 Redis servers, 3 sentinels: all distinct.
        ports = iter(free_ports(18))

        def pairs(count: int) -> tuple[tuple[int, int], ...]:
            return tuple((next(ports), next(ports)) for _ in range(count))

        return cls(
            base=base.resolve(),
            rabbit=pairs(3),
            rabbit_epmd=next(ports),
            etcd=(next(ports), next(ports)),
            patroni=pairs(2),
            redis=(next(ports), next(ports)),
            sentinels=(next(ports), next(ports), next(ports)),
            service_base=service_base,
        )

    # --- the env file ---------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """What the services read, then what tools need to find and drive each part."""
        hosts = ",".join("127.0.0.1" for _ in self.patroni)
        ports = ",".join(str(pg) for pg, _ in self.patroni)
        multi = f"host={hosts}&port={ports}&target_session_attrs=read-write"
        rabbit_urls = [f"amqp://guest:guest@127.0.0.1:{amqp}/" for amqp, _ in self.rabbit]
        return {
            "DATABASE_URL": f"postgresql+asyncpg://postgres@/controlplane?{multi}",
            "TENANT_DATA_DSN": f"postgresql://postgres@/tenant_data?{multi}",
            "RABBITMQ_URLS": ",".join(rabbit_urls),
            "RABBITMQ_URL": rabbit_urls[0],
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{p}" for p in self.sentinels),
            "REDIS_SENTINEL_MASTER": "cp-ha",
            # For code not reading the sentinels yet: the master at the stack's first start.
            "REDIS_URL": f"redis://127.0.0.1:{self.redis[0]}/0",
            "HA_DIR": str(self.base),
            "HA_RABBIT_NODES": ",".join(
                f"rabbit{i}@localhost:{amqp}:{dist}"
                for i, (amqp, dist) in enumerate(self.rabbit, 1)
            ),
            "HA_RABBIT_HOME": str(self.base / "rabbit" / "home"),
            "HA_RABBIT_EPMD_PORT": str(self.rabbit_epmd),
            "HA_ETCD_URL": f"http://127.0.0.1:{self.etcd[0]}",
            "HA_ETCD_PEER_PORT": str(self.etcd[1]),
            "HA_PATRONI_NODES": ",".join(
                f"pg{i}:{pg}:{rest}" for i, (pg, rest) in enumerate(self.patroni, 1)
            ),
            "HA_REDIS_SERVERS": ",".join(
                f"redis{i}:{port}" for i, port in enumerate(self.redis, 1)
            ),
            "HA_SERVICE_PORTS": ",".join(
                f"{name}:{self.service_base + offset}" for offset, name in enumerate(SERVICES)
            ),
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["# Written by `make ha` (deploy/ha): every address the HA stack chose."]
        lines += [f"{key}={shlex.quote(value)}" for key, value in self.settings().items()]
        path.write_text("\n".join(lines) + "\n")

    @classmethod
    def read(cls, path: Path) -> Layout:
        env = read_env(path)

        def triples(key: str) -> Iterator[list[str]]:
            return (item.rsplit(":", 2) for item in env[key].split(","))

        def ports(key: str) -> tuple[int, ...]:
            return tuple(int(item.rsplit(":", 1)[1]) for item in env[key].split(","))

        return cls(
            base=Path(env["HA_DIR"]),
            rabbit=tuple((int(a), int(d)) for _, a, d in triples("HA_RABBIT_NODES")),
            rabbit_epmd=int(env["HA_RABBIT_EPMD_PORT"]),
            etcd=(int(env["HA_ETCD_URL"].rsplit(":", 1)[1]), int(env["HA_ETCD_PEER_PORT"])),
            patroni=tuple((int(p), int(r)) for _, p, r in triples("HA_PATRONI_NODES")),
            redis=ports("HA_REDIS_SERVERS"),
            sentinels=ports("REDIS_SENTINELS"),
            service_base=ports("HA_SERVICE_PORTS")[0],
        )


def read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env
