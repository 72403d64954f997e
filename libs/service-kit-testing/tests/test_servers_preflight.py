"""A run names the servers that do not answer before any test needs them."""

from __future__ import annotations

import socket

from service_kit_testing.infra import TestInfra
from service_kit_testing.servers import unreachable_servers


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_server_answering_names_none(infra: TestInfra) -> None:
    servers = (infra.database_url, infra.rabbitmq_url, infra.redis_url)
    assert unreachable_servers(servers) == []


def test_a_server_that_refuses_is_named_with_its_address_and_variable(infra: TestInfra) -> None:
    port = _closed_port()
    servers = (infra.database_url, f"amqp://guest:guest@127.0.0.1:{port}/", infra.redis_url)

    assert unreachable_servers(servers) == [
        f"RabbitMQ at 127.0.0.1:{port} (TEST_RABBITMQ_URL to use another)"
    ]
