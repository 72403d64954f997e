"""The HA stack's control API against real engines: a three-node RabbitMQ cluster, Patroni with
two PostgreSQL nodes, Redis with three sentinels (no services: `make ha` adds those), started
once for the session (tests/conftest.py) and shared with the chaos subset in tests/chaos/."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from deploy.ha import HaStack
from deploy.ha.layout import Layout
from deploy.ha.patroni import psql


@pytest.fixture
def stack(ha_stack: HaStack) -> HaStack:
    """The session's engines (tests/conftest.py), shared with the chaos subset."""
    return ha_stack


def test_the_env_file_names_every_address_and_reads_back(tmp_path: Path) -> None:
    layout = Layout.fresh(tmp_path, 8100)
    layout.write(tmp_path / "ha.env")

    assert Layout.read(tmp_path / "ha.env") == layout
    settings = layout.settings()
    (pg1, _), (pg2, _) = layout.patroni
    assert settings["DATABASE_URL"] == (
        "postgresql+asyncpg://postgres@/controlplane?host=127.0.0.1,127.0.0.1"
        f"&port={pg1},{pg2}&target_session_attrs=read-write"
    )
    assert settings["RABBITMQ_URLS"].count("amqp://") == 3
    assert settings["RABBITMQ_URL"] == settings["RABBITMQ_URLS"].split(",")[0]
    assert len(settings["REDIS_SENTINELS"].split(",")) == 3


def test_a_stopped_rabbit_node_leaves_two_running_and_comes_back(stack: HaStack) -> None:
    assert len(stack.rabbit_running()) == 3
    node = stack.rabbit_nodes()[1]

    stack.rabbit_stop(node)
    running = stack.rabbit_running()
    assert node not in running
    assert len(running) == 2

    stack.rabbit_start(node)
    assert stack.rabbit_running() == sorted(stack.rabbit_nodes())


def test_a_killed_rabbit_node_drops_out_and_rejoins(stack: HaStack) -> None:
    node = stack.rabbit_nodes()[2]

    stack.rabbit_kill(node)
    assert node not in stack.rabbit.wait_running(2)

    stack.rabbit_start(node)
    assert node in stack.rabbit_running()


def test_a_switchover_moves_the_leader_and_writes_still_work(stack: HaStack) -> None:
    before = stack.pg_leader()

    after = stack.pg_switchover()

    assert after != before
    assert stack.pg_leader() == after
    ports = [stack.pg_port(m) for m in ("pg1", "pg2")]
    psql(ports, "CREATE TABLE IF NOT EXISTS ha_probe (n int)", database="controlplane")
    psql(ports, "INSERT INTO ha_probe VALUES (1)", database="controlplane")
    # The write landed on the new leader itself.
    assert psql([stack.pg_port(after)], "SELECT count(*) FROM ha_probe", "controlplane") != "0"


def test_killing_the_redis_master_promotes_the_replica(stack: HaStack) -> None:
    old = stack.redis_master()
    replica = next(p for p in stack.redis_ports() if p != old)

    new = stack.redis_kill_master()

    assert new == replica
    assert stack.redis_master() == replica
    client = redis.Redis(host="127.0.0.1", port=new)
    assert client.set("cp-ha-test", "written after the failover")
    # The old master came back as a replica of the new one.
    old_role = redis.Redis(host="127.0.0.1", port=old).info("replication")
    assert old_role["role"] == "slave"
    assert old_role["master_port"] == new
