"""What the provisioner consumes: the saga's requests, verified callbacks, requests to re-issue
a tenant's initial API key, and webhook-receiver's word that it knows a run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from provisioner import handlers
from provisioner.deps import Deps
from service_kit.consumer import Consumer, Handler
from service_kit.db import UnitOfWork


def _bound(
    fn: Callable[[Any, UnitOfWork, Deps], Awaitable[None]], deps: Deps
) -> Handler[UnitOfWork]:
    async def handle(event: Any, uow: UnitOfWork) -> None:
        await fn(event, uow, deps)

    return handle


def build_consumers(deps: Deps) -> list[Consumer[UnitOfWork]]:
    return [
        Consumer(
            name="saga",
            handlers={
                "tenant.provisioning_requested": _bound(handlers.start_pipeline, deps),
                "webhook.received": _bound(handlers.finish_external_step, deps),
                "tenant.cancel_requested": _bound(handlers.cancel, deps),
                "tenant.provisioning_timed_out": _bound(handlers.time_out, deps),
                "tenant.offboarding_requested": _bound(handlers.deprovision, deps),
                "tenant.api_key_reissue_requested": _bound(handlers.reissue_api_key, deps),
            },
        ),
        # Its own queue: a callback waiting for its run's registration never queues behind
        # the saga's work. The handler only writes through its unit of work.
        Consumer(
            name="runs",
            handlers={"webhook.run_registered": _bound(handlers.callback_due, deps)},
            shares_transactions=True,
        ),
    ]
