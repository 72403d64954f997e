"""Pipeline drivers for the external `infrastructure` step: HTTP trigger, manual, local.

The local driver (a command, then a signed callback) has a module of its own: local_driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import structlog

from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.settings import ProvisionerSettings
from service_kit.http_tracing import traced_client
from service_kit.webhooks import WebhookRun

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DriverJob:
    tenant_id: UUID
    tenant_key: str
    tier: str
    pipeline_id: UUID
    run: WebhookRun
    app_url: str
    hold_callback: bool = False
    callback_delay: float = 0.0


class Driver(Protocol):
    async def trigger(self, job: DriverJob, uow: ProvisionerUnitOfWork) -> None:
        """Start the run; inside the step's unit of work, which commits the step's waiting."""

    async def run_registered(self, pipeline_id: UUID, uow: ProvisionerUnitOfWork) -> None:
        """webhook-receiver stored the pipeline's run: a callback sent from now on is verified."""

    async def close(self) -> None: ...


class ManualDriver:
    """Triggers nothing: someone calls the webhook by hand (or the deadline fails the step)."""

    async def trigger(self, job: DriverJob, uow: ProvisionerUnitOfWork) -> None:
        log.info("infrastructure waits for a manual callback", pipeline_id=str(job.pipeline_id))

    async def run_registered(self, pipeline_id: UUID, uow: ProvisionerUnitOfWork) -> None:
        return None

    async def close(self) -> None:
        return None


class HttpDriver:
    """POSTs the run to a third party's trigger URL; it calls the webhook back when done."""

    def __init__(self, settings: ProvisionerSettings) -> None:
        self._url = settings.pipeline_trigger_url
        self._callback = settings.webhook_callback_url
        self._client = traced_client(peer="pipeline-trigger", timeout=10)

    async def trigger(self, job: DriverJob, uow: ProvisionerUnitOfWork) -> None:
        response = await self._client.post(
            self._url,
            json={
                "tenantId": str(job.tenant_id),
                "tenantKey": job.tenant_key,
                "tier": job.tier,
                "pipelineId": str(job.pipeline_id),
                "secret": job.run.secret,
                "context": job.run.context,
                "callbackUrl": self._callback,
            },
        )
        response.raise_for_status()  # a refused trigger is a failed attempt of the step

    async def run_registered(self, pipeline_id: UUID, uow: ProvisionerUnitOfWork) -> None:
        # Triggered at once, not on registration: a third party calls back much later than
        # the run's announcement takes, and one that is quicker is told to try again
        # (401 `webhook-run-unknown` with Retry-After) until the run is known.
        return None

    async def close(self) -> None:
        await self._client.aclose()


def make_driver(settings: ProvisionerSettings) -> Driver:
    from provisioner.adapters.local_driver import LocalDriver  # it builds on this module

    if settings.pipeline_driver == "http":
        return HttpDriver(settings)
    if settings.pipeline_driver == "manual":
        return ManualDriver()
    return LocalDriver(settings)
