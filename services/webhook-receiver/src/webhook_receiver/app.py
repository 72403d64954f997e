"""webhook-receiver: the public endpoint for third parties' signed provisioning callbacks."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.app import build_app
from service_kit.retention import days
from service_kit.runtime import ServiceRuntime
from webhook_receiver.adapters import deliveries as receipts
from webhook_receiver.api import deliveries, webhooks
from webhook_receiver.settings import WebhookReceiverSettings


def create_app(settings: WebhookReceiverSettings) -> FastAPI:
    runtime = ServiceRuntime(
        settings,
        uses_redis=True,
        retention=[receipts.retention(days(settings.webhook_receipt_retention_days))],
    )
    return build_app(
        runtime,
        title="webhook-receiver",
        description="Public endpoint for third parties' signed provisioning callbacks.",
        routers=[webhooks.router, deliveries.router],
    )
