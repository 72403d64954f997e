"""pytest plugin (loaded with `-p service_kit_testing.plugin`): a test run's fixtures.

`infra`, the run's isolated infrastructure (`service_kit_testing.infra`), and what tests build
on it: an event tap, publishing, an SMTP sink, an S3 server, an OpenID provider, recorded spans,
a Redis client, and `sql` over a service's database (for a directory whose conftest defines
`settings`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis

from service_kit.settings import ServiceSettings
from service_kit_testing.events import EventTap, Publish, publish_event
from service_kit_testing.identity import IdentityProvider, identity_provider
from service_kit_testing.infra import TestInfra, isolated_infra
from service_kit_testing.s3 import S3_ENV, S3Server, s3_server
from service_kit_testing.servers import unreachable_servers
from service_kit_testing.smtp import SmtpSink
from service_kit_testing.spans import recording_spans
from service_kit_testing.sql import SqlRunner, sql_runner
from shared_schemas import Envelope


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    # Stop the run at once, saying what is missing, when a server does not answer: otherwise
    # every test that needs one fails on its own, in a flood of connection errors.
    down = unreachable_servers()
    if down:
        pytest.exit(
            "not reachable: "
            + "; ".join(down)
            + ". `make run` starts missing servers (docker compose, or the system's packages)"
            " and prints the command for each.",
            returncode=4,
        )
    with isolated_infra(uuid.uuid4().hex[:10]) as made:
        yield made


@pytest.fixture
async def event_tap(infra: TestInfra) -> Any:
    taps: list[EventTap] = []

    async def start(*routing_keys: str) -> EventTap:
        tap = await EventTap(infra).start(*routing_keys)
        taps.append(tap)
        return tap

    yield start
    for tap in taps:
        await tap.close()


@pytest.fixture
def publish(infra: TestInfra) -> Publish:
    """Publish an event to the run's exchange, as its producer would."""

    async def send(event: Envelope) -> None:
        await publish_event(infra, event)

    return send


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(host="127.0.0.1", port=0, messages=[])
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A real S3-compatible server (moto's, in a process of its own), for the run."""
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[IdentityProvider]:
    """A real OpenID provider (Node's oidc-provider) for the run; tests add their own accounts
    and register their own clients."""
    with identity_provider() as provider:
        yield provider


@pytest.fixture
def s3_export_url(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """`s3://<a new bucket>/exports`, with boto3's credentials and region set for the test."""
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    return f"s3://{s3.new_bucket()}/exports"


@pytest.fixture
def recorded_spans() -> Iterator[Any]:
    """Tracing on for one test, every finished span kept in memory (an `InMemorySpanExporter`)."""
    with recording_spans() as exporter:
        yield exporter


@pytest.fixture
async def redis(infra: TestInfra) -> AsyncIterator[Redis]:
    """A client of the run's Redis that answers in text (a test's own keys go under its prefix)."""
    client = Redis.from_url(infra.redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def sql(settings: ServiceSettings) -> SqlRunner:
    """Plain SQL on the database of the service whose `settings` the test's directory defines."""
    return sql_runner(settings.database_url)
