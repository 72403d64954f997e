"""A provisioning request that meets Redis away is held and handled once Redis is back.

The handler of `tenant.provisioning_requested` reads its fault hooks from Redis; the service
reaches Redis through a TCP proxy the test cuts for longer than every retry tier together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import pytest
from prometheus_client import REGISTRY

from provisioner.app import create_app
from provisioner.settings import ProvisionerSettings
from service_kit.topology import dlq_name
from service_kit_testing import TcpProxy, TestInfra, started, tcp_proxy
from shared_schemas import Envelope
from shared_schemas.events import Tier

from ..messages import request  # type: ignore[import-not-found]
from ..saga import mine, outcome  # type: ignore[import-not-found]
from .test_engine_outages import seen  # type: ignore[import-not-found]

REQUESTED = "tenant.provisioning_requested"


@pytest.fixture
async def proxy(settings: ProvisionerSettings) -> AsyncIterator[TcpProxy]:
    real = urlsplit(settings.redis_url)
    async with tcp_proxy(real.hostname or "127.0.0.1", real.port or 6379) as running:
        yield running


def consumed(outcome: str) -> float:
    labels = {"consumer": "saga", "type": REQUESTED, "outcome": outcome}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0


def saga(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"consumer": "saga"}) or 0.0


async def dead_letters(infra: TestInfra, settings: ProvisionerSettings) -> int:
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(dlq_name(settings), passive=True)
        return queue.declaration_result.message_count or 0


async def test_a_request_waits_out_a_redis_outage_and_the_tenant_is_provisioned(
    settings: ProvisionerSettings,
    infra: TestInfra,
    proxy: TcpProxy,
    migrated: None,
    event_tap: Any,
    publish: Callable[[Envelope], Awaitable[None]],
) -> None:
    redis_url = urlsplit(settings.redis_url)._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    configured = settings.model_copy(
        update={
            "redis_url": redis_url,
            "retry_delays": [0.2, 0.4],
            "consumer_outage_tolerance": 60.0,
        }
    )
    assert configured.provisioner_faults_enabled, "the handler reads its hooks from Redis"
    retried, dead = consumed("retried"), consumed("dead_lettered")
    async with started(create_app(configured)):
        tap = await event_tap("provisioning.*")
        parked = await dead_letters(infra, configured)
        waits = saga("consumer_outage_waits_total")
        await proxy.cut()
        req = request(Tier.POOLED)
        await publish(req)
        # Tries 1 s, then 1 s apart: past two seconds, well past both tiers (0.6 s).
        await seen(
            lambda: saga("consumer_outage_waits_total") - waits >= 3, "three waits for Redis"
        )
        assert saga("consumer_held_deliveries") == 1
        assert not mine(tap, "provisioning.step_started", req.data.tenant_id)
        await proxy.restore()
        done = await outcome(
            tap, req.data.tenant_id, "provisioning.completed", "provisioning.failed", timeout=30
        )
        assert saga("consumer_held_deliveries") == 0
        assert await dead_letters(infra, configured) == parked

    assert done.type == "provisioning.completed"
    assert consumed("retried") == retried, "no retry tier was spent"
    assert consumed("dead_lettered") == dead
    assert len(mine(tap, "provisioning.step_started", req.data.tenant_id)) >= 1
