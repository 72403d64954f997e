"""The local driver sends a callback again while its refusal may pass, and never when it cannot.

A stand-in receiver on a real port answers from a script; the provisioner runs for real
(PostgreSQL, RabbitMQ, its local driver) and signs from its own run row.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from service_kit.webhooks import verify_arc
from service_kit_testing import Publish
from shared_schemas.events import Tier

from ..conftest import LocalDriver  # type: ignore[import-not-found]
from ..messages import registered, request  # type: ignore[import-not-found]
from ..saga import silo_request_waiting, waiting_run  # type: ignore[import-not-found]

Sql = Callable[..., Awaitable[list[Any]]]
PROBLEMS = "https://controlplane.dev/problems/"


def problem(status: int, slug: str) -> Response:
    return JSONResponse(
        {"type": PROBLEMS + slug, "title": "t", "status": status, "detail": "d"},
        status_code=status,
        media_type="application/problem+json",
    )


@dataclass
class StandIn:
    """Answers each callback with the next scripted answer (the last one once they run out)."""

    answers: list[Response]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/provisioning")
        async def callback(incoming: Request) -> Response:
            self.received.append((dict(incoming.headers), await incoming.body()))
            return self.answers[min(len(self.received), len(self.answers)) - 1]

        return app


async def callback_done(sql: Sql, pipeline_id: uuid.UUID) -> None:
    """The driver is through with the callback (delivered, or refused for good)."""
    for _ in range(400):
        pending = await sql(
            "SELECT 1 FROM provisioner.local_callbacks WHERE pipeline_id = :p", p=pipeline_id
        )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the local callback is still pending")


async def test_unknown_run_and_unavailable_are_retried_until_delivered(
    local_driver: LocalDriver, publish: Publish, sql: Sql
) -> None:
    stand_in = StandIn(
        [
            problem(503, "unavailable"),
            problem(401, "webhook-run-unknown"),
            Response(status_code=202),
        ]
    )
    async with local_driver(stand_in.app()) as settings:
        req = request(Tier.SILO)
        await publish(req)
        run = await waiting_run(sql, settings, req.data.tenant_id)
        await publish(registered(req))
        await callback_done(sql, req.data.pipeline_id)
    assert len(stand_in.received) == 3
    # The same signed delivery each time, signed with the run kept in PostgreSQL.
    assert len({body for _, body in stand_in.received}) == 1
    headers, body = stand_in.received[-1]
    stamp = int(headers["x-timestamp"])
    assert verify_arc(run.secret, body, run.context, stamp, headers["x-signature"])


async def test_a_bad_signature_is_final(
    local_driver: LocalDriver, publish: Publish, sql: Sql
) -> None:
    stand_in = StandIn([problem(401, "unauthorized"), Response(status_code=202)])
    async with local_driver(stand_in.app()) as settings:
        req = await silo_request_waiting(publish, sql, settings)
        await publish(registered(req))
        await callback_done(sql, req.data.pipeline_id)
    assert len(stand_in.received) == 1
