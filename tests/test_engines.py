"""The plan `make run` follows when PostgreSQL, Redis or RabbitMQ does not answer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))

from engines import ENGINES, Machine, Missing, Plan, plan

POSTGRES, REDIS, RABBITMQ = ENGINES
ALL = frozenset(e.program for e in ENGINES)
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | sort -V | tail -n 1)"


def missing(*engines: object) -> list[Missing]:
    return [Missing(e, e.default_url) for e in ENGINES if e in engines]


def machine(
    *,
    docker: bool = False,
    apt_get: bool = True,
    root: bool = True,
    sudo: bool = False,
    installed: frozenset[str] = frozenset(),
) -> Machine:
    return Machine(docker=docker, apt_get=apt_get, root=root, sudo=sudo, installed=installed)


def commands(found: Plan) -> list[str]:
    assert found.refusal is None, found.refusal
    return [step.command for step in found.steps]


def test_nothing_missing_means_nothing_to_do() -> None:
    assert plan([], machine(docker=True)) == Plan()


def test_a_docker_engine_comes_first() -> None:
    found = plan(missing(POSTGRES, RABBITMQ), machine(docker=True, installed=ALL))
    assert commands(found) == ["docker compose up -d --wait postgres rabbitmq"]
    assert found.steps[0].says == "PostgreSQL, RabbitMQ not reachable; starting with docker compose"


def test_a_fresh_debian_machine_installs_and_starts_all_three_as_root() -> None:
    found = plan(missing(*ENGINES), machine())
    assert commands(found) == [
        "apt-get update -qq",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq"
        " postgresql redis-server rabbitmq-server",
        "sed -i '1i host all postgres 127.0.0.1/32 trust\\nhost all postgres ::1/128 trust'"
        " /etc/postgresql/$(ls /etc/postgresql | sort -V | tail -n 1)/main/pg_hba.conf",
        f"{PG_START} main restart",
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly'
        " no --dir /var/lib/redis --logfile /var/log/redis/redis-server.log",
        "rabbitmq-server -detached",
    ]
    waited = [step.waits_for for step in found.steps if step.waits_for]
    assert waited == [POSTGRES, REDIS, RABBITMQ]
    # The packages may start their server on installing: those are checked before a start.
    assert [s.unless_answering for s in found.steps if s.unless_answering] == [REDIS, RABBITMQ]
    assert "pg_hba.conf" in found.steps[2].says
    assert "trust" in found.steps[2].says


def test_without_root_every_command_goes_through_sudo() -> None:
    found = plan(missing(REDIS), machine(root=False, sudo=True))
    assert commands(found) == [
        "sudo apt-get update -qq",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server",
        "sudo " + REDIS.start,
    ]


def test_installed_but_stopped_engines_are_only_started_and_keep_their_authentication() -> None:
    found = plan(missing(POSTGRES, RABBITMQ), machine(installed=ALL))
    assert commands(found) == [f"{PG_START} main start", "rabbitmq-server -detached"]
    assert [s.unless_answering for s in found.steps] == [POSTGRES, RABBITMQ]


def test_only_the_missing_packages_are_installed() -> None:
    found = plan(missing(POSTGRES, REDIS), machine(installed=frozenset({"pg_ctlcluster"})))
    assert commands(found)[:2] == [
        "apt-get update -qq",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server",
    ]
    assert f"{PG_START} main start" in commands(found)
    assert not any("pg_hba" in c for c in commands(found)), "an existing cluster's auth is its own"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@db.internal:5432/controlplane",
        "postgresql://postgres@127.0.0.1:5433/controlplane",
    ],
)
def test_an_engine_configured_elsewhere_is_not_started_here(url: str) -> None:
    found = plan([Missing(POSTGRES, url)], machine())
    assert found.steps == ()
    assert found.refusal is not None
    first, command = found.refusal.splitlines()
    assert first == (
        "PostgreSQL not reachable, and no Docker engine to start them (DATABASE_URL not on this"
        " machine's default port, where the system's packages would serve). Start them with:"
    )
    assert command.endswith(f"(or set DATABASE_URL; now {url})")


def test_without_root_or_sudo_the_commands_are_given_to_run_as_root() -> None:
    found = plan(
        missing(REDIS, RABBITMQ), machine(root=False, installed=frozenset({"redis-server"}))
    )
    assert found.refusal == "\n".join(
        [
            "Redis, RabbitMQ not reachable, and no Docker engine to start them; the system's"
            " packages need root or sudo. Start them with:",
            "  (as root)  apt-get install -y rabbitmq-server",
            f"  Redis      {REDIS.start}    (or set REDIS_URL; now redis://127.0.0.1:6379/0)",
            "  RabbitMQ   rabbitmq-server -detached    (or set RABBITMQ_URL; now"
            " amqp://guest:guest@127.0.0.1:5672/)",
        ]
    )


def test_no_docker_and_no_apt_get_names_what_is_missing() -> None:
    found = plan(missing(REDIS), machine(apt_get=False))
    assert found.steps == ()
    assert found.refusal is not None
    assert found.refusal.startswith(
        "Redis not reachable, and no Docker engine or apt-get to start them. Start them with:\n"
        "  Redis      redis-server --daemonize yes"
    )
