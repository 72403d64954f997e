"""Building the provisioner's events for a pipeline row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row

from service_kit.db import UnitOfWork
from shared_schemas.events import (
    ProvisioningCancelled,
    ProvisioningCancelledData,
    ProvisioningCompleted,
    ProvisioningCompletedData,
    ProvisioningFailed,
    ProvisioningFailedData,
    StepCompensated,
    StepData,
    StepFailed,
    StepFailedData,
    StepStarted,
    StepSucceeded,
    StepSucceededData,
)

PRODUCER = "provisioner"


def _ids(pipeline: Row[Any]) -> dict[str, Any]:
    return {"producer": PRODUCER, "correlation_id": pipeline.id, "tenant_id": pipeline.tenant_id}


def _step(pipeline: Row[Any], step: str, attempt: int) -> dict[str, Any]:
    return {
        "tenant_id": pipeline.tenant_id,
        "pipeline_id": pipeline.id,
        "step": step,
        "attempt": max(attempt, 1),
        "at": datetime.now(UTC),
    }


async def step_started(uow: UnitOfWork, pipeline: Row[Any], step: str, attempt: int) -> None:
    await uow.outbox.add(
        StepStarted.build(StepData(**_step(pipeline, step, attempt)), **_ids(pipeline))
    )


async def step_succeeded(
    uow: UnitOfWork, pipeline: Row[Any], step: str, attempt: int, details: dict[str, Any]
) -> None:
    data = StepSucceededData(**_step(pipeline, step, attempt), details=details)
    await uow.outbox.add(StepSucceeded.build(data, **_ids(pipeline)))


async def step_failed(
    uow: UnitOfWork, pipeline: Row[Any], step: str, attempt: int, error: str, will_retry: bool
) -> None:
    data = StepFailedData(
        **_step(pipeline, step, attempt), error=error[:1000], will_retry=will_retry
    )
    await uow.outbox.add(StepFailed.build(data, **_ids(pipeline)))


async def step_compensated(uow: UnitOfWork, pipeline: Row[Any], step: str) -> None:
    data = StepData(**_step(pipeline, step, 1))
    await uow.outbox.add(StepCompensated.build(data, **_ids(pipeline)))


async def completed(
    uow: UnitOfWork, pipeline: Row[Any], app_url: str, resources: list[str]
) -> None:
    data = ProvisioningCompletedData(
        tenant_id=pipeline.tenant_id, pipeline_id=pipeline.id, app_url=app_url, resources=resources
    )
    await uow.outbox.add(ProvisioningCompleted.build(data, **_ids(pipeline)))


async def failed(uow: UnitOfWork, pipeline: Row[Any], step: str, reason: str) -> None:
    data = ProvisioningFailedData(
        tenant_id=pipeline.tenant_id, pipeline_id=pipeline.id, step=step, reason=reason[:1000]
    )
    await uow.outbox.add(ProvisioningFailed.build(data, **_ids(pipeline)))


async def cancelled(uow: UnitOfWork, pipeline: Row[Any]) -> None:
    data = ProvisioningCancelledData(tenant_id=pipeline.tenant_id, pipeline_id=pipeline.id)
    await uow.outbox.add(ProvisioningCancelled.build(data, **_ids(pipeline)))


async def cancelled_before_start(uow: UnitOfWork, tenant_id: UUID, pipeline_id: UUID) -> None:
    """A pipeline cancelled before its request came: nothing ran, nothing to undo."""
    data = ProvisioningCancelledData(tenant_id=tenant_id, pipeline_id=pipeline_id)
    await uow.outbox.add(
        ProvisioningCancelled.build(
            data, producer=PRODUCER, correlation_id=pipeline_id, tenant_id=tenant_id
        )
    )
