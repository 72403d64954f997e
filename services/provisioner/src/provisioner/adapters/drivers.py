"""Pipeline drivers for the external `infrastructure` step: local command, HTTP trigger, manual."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import httpx
import structlog

from provisioner.settings import ProvisionerSettings
from service_kit.http_tracing import traced_client
from service_kit.tasks import cancel_and_wait
from service_kit.webhooks import WebhookRun, sign_arc

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
    async def trigger(self, job: DriverJob) -> None: ...

    async def close(self) -> None: ...


class ManualDriver:
    """Triggers nothing: someone calls the webhook by hand (or the deadline fails the step)."""

    async def trigger(self, job: DriverJob) -> None:
        log.info("infrastructure waits for a manual callback", pipeline_id=str(job.pipeline_id))

    async def close(self) -> None:
        return None


class HttpDriver:
    """POSTs the run to a third party's trigger URL; it calls the webhook back when done."""

    def __init__(self, settings: ProvisionerSettings) -> None:
        self._url = settings.pipeline_trigger_url
        self._callback = settings.webhook_callback_url
        self._client = traced_client(peer="pipeline-trigger", timeout=10)

    async def trigger(self, job: DriverJob) -> None:
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

    async def close(self) -> None:
        await self._client.aclose()


class LocalDriver:
    """Runs PIPELINE_LOCAL_COMMAND (if any) in the background, then calls the webhook, signed."""

    def __init__(self, settings: ProvisionerSettings) -> None:
        self._command = settings.pipeline_local_command
        self._callback = settings.webhook_callback_url
        self._timeout = settings.provisioner_callback_timeout
        self._client = traced_client(peer="webhook-receiver", timeout=10)
        self._tasks: set[asyncio.Task[None]] = set()

    async def trigger(self, job: DriverJob) -> None:
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: DriverJob) -> None:
        succeeded = await self._command_ok(job)
        if job.callback_delay:
            await asyncio.sleep(job.callback_delay)
        if job.hold_callback:
            log.info(
                "local driver holds its callback (fault hook)", pipeline_id=str(job.pipeline_id)
            )
            return
        body = json.dumps(
            {
                "initiatorId": str(job.tenant_id),
                "type": 0,
                "data": {
                    "status": 1 if succeeded else 0,
                    "resources": [{"kind": "local-pipeline", "tenant": job.tenant_key}],
                    "appPlaneUrl": job.app_url,
                },
            }
        ).encode()
        await self._post(job, body)

    async def _command_ok(self, job: DriverJob) -> bool:
        if not self._command:
            return True
        env = {
            **os.environ,
            "TENANT_ID": str(job.tenant_id),
            "TENANT_KEY": job.tenant_key,
            "TENANT_TIER": job.tier,
            "PIPELINE_ID": str(job.pipeline_id),
        }
        proc = await asyncio.create_subprocess_shell(self._command, env=env)
        try:
            return await asyncio.wait_for(proc.wait(), timeout=self._timeout) == 0
        except TimeoutError:
            proc.kill()
            return False

    async def _post(self, job: DriverJob, body: bytes) -> None:
        for attempt in range(1, 8):
            stamp = int(time.time() * 1000)
            headers = {
                "content-type": "application/json",
                "x-timestamp": str(stamp),
                "x-signature": sign_arc(job.run.secret, body, job.run.context, stamp),
            }
            try:
                response = await self._client.post(self._callback, content=body, headers=headers)
                if response.status_code < 500:
                    log.info(
                        "callback sent",
                        status=response.status_code,
                        pipeline_id=str(job.pipeline_id),
                    )
                    return
            except httpx.TransportError as exc:
                log.warning("callback failed; retrying", error=repr(exc), attempt=attempt)
            await asyncio.sleep(min(0.5 * 2**attempt, 10))
        log.error(
            "callback gave up; the step's deadline will fail it", pipeline_id=str(job.pipeline_id)
        )

    async def close(self) -> None:
        await cancel_and_wait(self._tasks)
        await self._client.aclose()


def make_driver(settings: ProvisionerSettings) -> Driver:
    if settings.pipeline_driver == "http":
        return HttpDriver(settings)
    if settings.pipeline_driver == "manual":
        return ManualDriver()
    return LocalDriver(settings)
