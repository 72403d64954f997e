"""webhook-receiver: the public endpoint for third parties' signed provisioning callbacks, and
the consumer of the provisioner's run announcements they are verified against."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.app import build_app
from service_kit.retention import days
from service_kit.runtime import ServiceRuntime, Wiring
from webhook_receiver.adapters import deliveries as receipts
from webhook_receiver.adapters import runs
from webhook_receiver.adapters.unit_of_work import WebhookUnitOfWork
from webhook_receiver.api import deliveries, webhooks
from webhook_receiver.consumers import build_consumers
from webhook_receiver.deps import Runtime, WebhookReceiverDeps
from webhook_receiver.settings import WebhookReceiverSettings


async def assemble(runtime: Runtime) -> Wiring[WebhookReceiverDeps, WebhookUnitOfWork]:
    settings = runtime.settings
    deps = WebhookReceiverDeps(run_keys=settings.run_keyring())
    return Wiring(
        deps=deps,
        consumers=build_consumers(deps.run_keys),
        retention=[
            receipts.retention(days(settings.webhook_receipt_retention_days)),
            runs.retention(),
        ],
    )


def create_app(settings: WebhookReceiverSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, assemble, unit_of_work=WebhookUnitOfWork, uses_redis=True)
    return build_app(
        runtime,
        title="webhook-receiver",
        description="Public endpoint for third parties' signed provisioning callbacks.",
        routers=[webhooks.router, deliveries.router],
    )
