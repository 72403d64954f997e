"""Redis settings are checked at start-up, with errors that name the setting, and one module
builds every Redis client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from redis.asyncio.sentinel import SentinelConnectionPool

from service_kit.redis_client import redis_client
from service_kit.sentinels import InvalidSentinels, SentinelAddress, parse_sentinels
from service_kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[4]


def test_a_sentinel_list_is_read_in_order() -> None:
    assert parse_sentinels(" a:26379, 10.0.0.2:26380,[::1]:26381 ,") == (
        SentinelAddress("a", 26379),
        SentinelAddress("10.0.0.2", 26380),
        SentinelAddress("::1", 26381),
    )
    assert parse_sentinels("") == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sentinel", "'sentinel' is not host:port"),
        ("a:b", "'a:b' is not host:port"),
        (":26379", "':26379' is not host:port"),
        ("a:0", "port 0 of 'a:0' is out of range"),
        ("a:70000", "port 70000 of 'a:70000' is out of range"),
        ("a:1,a:1", "'a:1' is listed twice"),
    ],
)
def test_a_bad_sentinel_list_is_refused_by_name(spec: str, message: str) -> None:
    with pytest.raises(InvalidSentinels, match=re.escape(f"REDIS_SENTINELS: {message}")):
        parse_sentinels(spec)
    with pytest.raises(ValidationError, match=re.escape(message)):
        ServiceSettings(redis_sentinels=spec, redis_sentinel_master="m")


def test_sentinels_need_a_master_name() -> None:
    with pytest.raises(ValidationError, match="REDIS_SENTINEL_MASTER must be set"):
        ServiceSettings(redis_sentinels="a:26379")


def test_a_redis_url_of_another_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="REDIS_URL must be a redis://"):
        ServiceSettings(redis_url="http://127.0.0.1:6379/0")


def test_a_sentinel_client_keeps_the_urls_database_and_credentials() -> None:
    settings = ServiceSettings(
        redis_url="redis://app:s3cret@ignored:1/4",
        redis_sentinels="127.0.0.1:26379",
        redis_sentinel_master="cp",
    )
    client = redis_client(settings)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "cp"
    kwargs = pool.connection_kwargs
    assert (kwargs["db"], kwargs["username"], kwargs["password"]) == (4, "app", "s3cret")
    assert kwargs["socket_timeout"] == settings.redis_socket_timeout
    assert kwargs["health_check_interval"] > 0
    assert kwargs["retry"].get_retries() > 0


def test_a_plain_client_has_timeouts_health_checks_and_retries() -> None:
    client = redis_client(ServiceSettings(redis_url="redis://127.0.0.1:6379/3"))
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["db"] == 3
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 2.0
    assert kwargs["health_check_interval"] > 0
    assert kwargs["retry"].get_retries() > 0


def test_only_the_factory_builds_a_redis_client() -> None:
    """Every service's Redis follows Sentinel and has timeouts only if none is built elsewhere."""
    builds = re.compile(r"\bRedis\(|\.from_url\(|\bSentinel\(|\bStrictRedis\(")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
        # service_kit_testing is the test suite's machinery: it cleans keys up, it serves no
        # request.
        if path.name != "redis_client.py" and "service_kit_testing" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if builds.search(line) and "SmtpTarget" not in line
    ]
    assert found == []
