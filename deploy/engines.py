"""What `make run` does about PostgreSQL, Redis or RabbitMQ not answering: a plan of shell
commands decided from facts about the machine. Pure: `local_run.py` gathers the facts and runs
the plan.

In order of preference: docker compose when a Docker engine exists; else, on Debian or Ubuntu
(apt-get), the system's packages, installed when missing (root, or sudo) and started; else the
plan refuses, naming what is missing and the command that starts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Debian's PostgreSQL asks for a password on 127.0.0.1; `make run`'s default URL has none. A
# cluster this plan installs lets `postgres` in from loopback without one, as docker-compose's
# does (POSTGRES_HOST_AUTH_METHOD=trust); a cluster that was there before keeps its own rules.
PG_VERSION = "$(ls /etc/postgresql | sort -V | tail -n 1)"
PG_HBA = f"/etc/postgresql/{PG_VERSION}/main/pg_hba.conf"
PG_TRUST = (
    f"sed -i '1i host all postgres 127.0.0.1/32 trust\\nhost all postgres ::1/128 trust' {PG_HBA}"
)


@dataclass(frozen=True)
class Engine:
    name: str
    variable: str
    default_url: str
    port: int
    compose_service: str
    package: str
    program: str  # on the PATH (or in /usr/sbin) once the package is installed
    start: str
    log: str  # where to look when it does not come up
    wait_seconds: float


ENGINES = (
    Engine(
        "PostgreSQL",
        "DATABASE_URL",
        "postgresql://postgres@127.0.0.1:5432/controlplane",
        5432,
        "postgres",
        "postgresql",
        "pg_ctlcluster",
        f"pg_ctlcluster --skip-systemctl-redirect {PG_VERSION} main start",
        "/var/log/postgresql/",
        60,
    ),
    Engine(
        "Redis",
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        6379,
        "redis",
        "redis-server",
        "redis-server",
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/redis-server.log",
        "/var/log/redis/redis-server.log",
        30,
    ),
    Engine(
        "RabbitMQ",
        "RABBITMQ_URL",
        "amqp://guest:guest@127.0.0.1:5672/",
        5672,
        "rabbitmq",
        "rabbitmq-server",
        "rabbitmq-server",
        "rabbitmq-server -detached",
        "/var/log/rabbitmq/",
        120,
    ),
)


@dataclass(frozen=True)
class Machine:
    docker: bool
    apt_get: bool
    root: bool
    sudo: bool
    installed: frozenset[str]  # the engines' programs found here


@dataclass(frozen=True)
class Missing:
    engine: Engine
    url: str  # where the services will look for it (its variable, else the default)

    @property
    def on_default_local_port(self) -> bool:
        parts = urlsplit(self.url.replace("+asyncpg", ""))
        return (parts.hostname or "127.0.0.1") in LOOPBACK and (
            parts.port or self.engine.port
        ) == self.engine.port


@dataclass(frozen=True)
class Step:
    says: str
    command: str
    waits_for: Engine | None = None  # then wait until it answers
    unless_answering: Engine | None = None  # skipped when it answers already


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = ()
    refusal: str | None = None  # nothing can be done here: what is missing and how to start it


def plan(missing: Sequence[Missing], machine: Machine) -> Plan:
    if not missing:
        return Plan()
    names = ", ".join(m.engine.name for m in missing)
    if machine.docker:
        services = " ".join(m.engine.compose_service for m in missing)
        says = f"{names} not reachable; starting with docker compose"
        return Plan((Step(says, f"docker compose up -d --wait {services}"),))
    if not machine.apt_get:
        why = f"{names} not reachable, and no Docker engine or apt-get to start them"
        return Plan(refusal=_refusal(why, missing))
    elsewhere = [m.engine.variable for m in missing if not m.on_default_local_port]
    if elsewhere:
        why = (
            f"{names} not reachable, and no Docker engine to start them ({', '.join(elsewhere)}"
            " not on this machine's default port, where the system's packages would serve)"
        )
        return Plan(refusal=_refusal(why, missing))
    absent = [m.engine for m in missing if m.engine.program not in machine.installed]
    if not (machine.root or machine.sudo):
        why = (
            f"{names} not reachable, and no Docker engine to start them; the system's packages"
            " need root or sudo"
        )
        install = f"apt-get install -y {' '.join(e.package for e in absent)}" if absent else None
        return Plan(refusal=_refusal(why, missing, install))
    return Plan(_system_packages(missing, absent, "" if machine.root else "sudo "))


def _system_packages(
    missing: Sequence[Missing], absent: Sequence[Engine], sudo: str
) -> tuple[Step, ...]:
    steps: list[Step] = []
    if absent:
        packages = " ".join(e.package for e in absent)
        names = ", ".join(e.name for e in absent)
        steps += [
            Step(
                f"{names} not installed; updating apt's package lists", f"{sudo}apt-get update -qq"
            ),
            Step(
                f"installing the system's packages: {packages}",
                f"{sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {packages}",
            ),
        ]
    for m in missing:
        engine = m.engine
        if engine.name == "PostgreSQL" and engine in absent:
            says = (
                "PostgreSQL (installed just now): letting postgres in from 127.0.0.1 and ::1"
                " without a password (trust), in the first lines of its pg_hba.conf"
            )
            steps.append(Step(says, f"{sudo}{PG_TRUST}"))
            # The package may have started it already, before those lines: restart reads them.
            restart = engine.start.removesuffix(" start") + " restart"
            steps.append(Step("starting PostgreSQL", f"{sudo}{restart}", waits_for=engine))
            continue
        steps.append(
            Step(
                f"starting {engine.name}",
                f"{sudo}{engine.start}",
                waits_for=engine,
                unless_answering=engine,
            )
        )
    return tuple(steps)


def _refusal(why: str, missing: Sequence[Missing], install: str | None = None) -> str:
    lines = [f"{why}. Start them with:"]
    if install:
        lines.append(f"  {'(as root)':<10} {install}")
    for m in missing:
        engine = m.engine
        lines.append(
            f"  {engine.name:<10} {engine.start}    (or set {engine.variable}; now {m.url})"
        )
    return "\n".join(lines)
