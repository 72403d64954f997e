"""webhook-receiver configuration (environment variables; see the README's table)."""

from __future__ import annotations

from service_kit.settings import ServiceSettings


class WebhookReceiverSettings(ServiceSettings):
    service_name: str = "webhook-receiver"
    db_schema: str = "webhook_receiver"
    port: int = 8003
