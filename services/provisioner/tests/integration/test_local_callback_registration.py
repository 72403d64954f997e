"""The local driver calls back only once webhook-receiver has registered the run: before that
the receiver could not verify the callback. A run that stops waiting unregistered leaves
nothing behind.

A stand-in receiver on a real port takes the callbacks; the provisioner runs for real
(PostgreSQL, RabbitMQ, its local driver and its `runs` consumer).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import Response

from service_kit_testing import Publish
from shared_schemas.events import PipelineRef, TenantCancelRequested, Tier

from ..conftest import LocalDriver  # type: ignore[import-not-found]
from ..messages import registered, request  # type: ignore[import-not-found]
from ..saga import silo_request_waiting, waiting_run  # type: ignore[import-not-found]
from .test_local_driver_retries import StandIn, callback_done  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]


def senders(stand_in: StandIn) -> list[uuid.UUID]:
    """The tenants whose callbacks reached the receiver, in arrival order."""
    return [uuid.UUID(json.loads(body)["initiatorId"]) for _, body in stand_in.received]


async def pending(sql: Sql, pipeline_id: uuid.UUID) -> list[Any]:
    return await sql(
        "SELECT owner, registered_at FROM provisioner.local_callbacks WHERE pipeline_id = :p",
        p=pipeline_id,
    )


async def test_a_callback_is_sent_only_after_its_runs_registration(
    local_driver: LocalDriver, publish: Publish, sql: Sql
) -> None:
    stand_in = StandIn([Response(status_code=202)])
    async with local_driver(stand_in.app()) as settings:
        first, second = request(Tier.SILO), request(Tier.SILO)
        await publish(first)
        await waiting_run(sql, settings, first.data.tenant_id)
        await publish(second)
        await waiting_run(sql, settings, second.data.tenant_id)
        # Only the later one is registered. The driver takes due callbacks oldest first
        # and at once: had the first been due, it would have reached the receiver first.
        await publish(registered(second))
        await callback_done(sql, second.data.pipeline_id)
        assert senders(stand_in) == [second.data.tenant_id]
        (waiting,) = await pending(sql, first.data.pipeline_id)
        assert (waiting.owner, waiting.registered_at) == (None, None)  # never claimed

        await publish(registered(first))
        await publish(registered(first))  # a redelivery changes nothing
        await callback_done(sql, first.data.pipeline_id)
    # Sent once the run was registered, exactly once, and taken at the first try.
    assert senders(stand_in) == [second.data.tenant_id, first.data.tenant_id]


async def test_a_callback_never_registered_is_dropped_once_its_run_stops_waiting(
    local_driver: LocalDriver, publish: Publish, sql: Sql
) -> None:
    stand_in = StandIn([Response(status_code=202)])
    async with local_driver(stand_in.app()) as settings:
        d = (await silo_request_waiting(publish, sql, settings)).data
        assert await pending(sql, d.pipeline_id)
        # The registration never comes; the step stops waiting (a cancel here, the
        # step's callback deadline otherwise) and finishes the run.
        await publish(
            TenantCancelRequested.build(
                PipelineRef(tenant_id=d.tenant_id, pipeline_id=d.pipeline_id),
                producer="tenant-api",
                correlation_id=d.pipeline_id,
                tenant_id=d.tenant_id,
            )
        )
        await callback_done(sql, d.pipeline_id)
        finished = await sql(
            "SELECT finished_at FROM provisioner.webhook_runs WHERE pipeline_id = :p",
            p=d.pipeline_id,
        )
    assert finished[0].finished_at is not None
    assert stand_in.received == []
