"""Consumer runners for the integration tests, each test with queues of its own."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import pytest

from service_kit.broker import Broker
from service_kit.consumer import Consumer
from service_kit.settings import ServiceSettings
from service_kit_testing import TestInfra

from .consumers import ObservedRunner, RunConsumer  # type: ignore[import-not-found]


@pytest.fixture
def settings(kit_db: Any) -> ServiceSettings:
    # A service name of its own gives each test its own queues and DLQ.
    service: ServiceSettings = kit_db.settings.model_copy(
        update={"service_name": f"kit-test-{uuid.uuid4().hex[:8]}"}
    )
    return service


@pytest.fixture
async def run_consumer(
    infra: TestInfra, kit_db: Any, settings: ServiceSettings
) -> AsyncIterator[RunConsumer]:
    """Start a runner on a broker connection of its own; stop it and delete its queues after."""
    runners: list[ObservedRunner] = []

    async def run(
        consumer: Consumer,
        *,
        uow_factory: Callable[[], Any] | None = None,
        settings: ServiceSettings = settings,
        **kwargs: Any,
    ) -> ObservedRunner:
        broker = Broker(settings)
        await broker.connect()
        runner = ObservedRunner(consumer, broker, uow_factory or kit_db.uow, infra=infra, **kwargs)
        runners.append(runner)
        await runner.start()
        return runner

    yield run
    queues: set[str] = set()
    for runner in runners:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(runner.stop(), timeout=5.0)
        await runner.broker.close()
        queues.update({runner.names.main, *runner.names.retries, runner.names.dlq})
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for queue in sorted(queues):
            await channel.queue_delete(queue)
