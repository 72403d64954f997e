"""RABBITMQ_URLS: checked at start with errors that name the node, never its URL."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from service_kit.broker_nodes import BrokerNodesError, node_label, parse_nodes
from service_kit.settings import ServiceSettings


def test_a_list_keeps_its_order_and_each_node_its_own_credentials() -> None:
    spec = " amqp://a:pa@n1:5672/cp , amqps://b:pb@n2/cp,amqp://c:pc@n3:5673/cp"
    assert parse_nodes(spec) == [
        "amqp://a:pa@n1:5672/cp",
        "amqps://b:pb@n2/cp",
        "amqp://c:pc@n3:5673/cp",
    ]


def test_a_node_label_is_host_and_port_only() -> None:
    assert node_label("amqp://user:hunter2hunter2@rabbit-1:5673/cp") == "rabbit-1:5673"
    assert node_label("amqps://user:hunter2hunter2@rabbit-2/cp") == "rabbit-2:5671"
    assert node_label("amqp://rabbit-3") == "rabbit-3:5672"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "lists no broker node"),
        (" , ", "lists no broker node"),
        ("amqp://u:p@n1/,", "node 2 is empty"),
        ("amqp://u:p@n1/,http://u:p@n2/", "node 2 has scheme 'http'"),
        ("n1:5672", "node 1 has scheme"),
        ("amqp:///cp", "node 1 names no host"),
        ("amqp://u:p@n1:99999/", "node 1 has an invalid port"),
    ],
)
def test_an_unusable_list_is_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(BrokerNodesError, match=message):
        parse_nodes(spec)


def test_settings_use_the_list_when_set_and_the_single_url_otherwise() -> None:
    single = ServiceSettings(rabbitmq_url=SecretStr("amqp://u:p@one:5672/"))
    assert single.broker_urls == ["amqp://u:p@one:5672/"]
    listed = ServiceSettings(
        rabbitmq_url=SecretStr("amqp://u:p@one:5672/"),
        rabbitmq_urls=SecretStr("amqp://u:p@n1:5672/,amqp://u:p@n2:5672/"),
    )
    assert listed.broker_urls == ["amqp://u:p@n1:5672/", "amqp://u:p@n2:5672/"]
    # docker compose passes an unset variable through as "": the single URL is used.
    blank = ServiceSettings(rabbitmq_url=SecretStr("amqp://u:p@one/"), rabbitmq_urls="  ")
    assert blank.broker_urls == ["amqp://u:p@one/"]


def test_a_refused_list_names_the_variable_and_never_echoes_a_password() -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(
            rabbitmq_urls=SecretStr("amqp://u:s3cret-pass@n1/,redis://u:s3cret-pass@n2/")
        )
    assert "RABBITMQ_URLS node 2 has scheme 'redis'" in str(refused.value)
    assert "s3cret-pass" not in str(refused.value)
    with pytest.raises(ValidationError) as single:
        ServiceSettings(rabbitmq_url=SecretStr("http://u:s3cret-pass@n1/"))
    assert "RABBITMQ_URL has scheme 'http'" in str(single.value)
    assert "s3cret-pass" not in str(single.value)
