"""The step engine: runs each due pipeline one unit of work at a time, under its row lock.

Several replicas can run it: `FOR UPDATE SKIP LOCKED` hands each pipeline to one of them.
What a pipeline does next is the domain's answer (`Pipeline`); the engine runs the step,
asks, and saves and publishes what it is told.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from provisioner import events
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain import events as ev
from provisioner.domain.outcomes import AttemptFailed, Done, Outcome, StepFailed
from provisioner.domain.pipeline import Pipeline, Transition
from provisioner.domain.status import PipelineStatus
from provisioner.steps import run_step
from provisioner.undo import undo
from service_kit import tracing
from service_kit.outages import engine_error

log = structlog.get_logger(__name__)

# Most units of work one transaction does on one pipeline (five steps and the outcome fit).
CHAIN_LIMIT = 8


class Engine:
    def __init__(self, units: Callable[[], ProvisionerUnitOfWork], deps: ProvisionerDeps) -> None:
        self._units = units
        self._deps = deps

    async def run_job(self) -> None:
        """As a runtime background job (supervised: restarted if it crashes).

        PROVISIONER_WORKERS loops share the due pipelines exactly as replicas do (each row is
        locked by one of them): while one waits on a database or a pipeline driver, another
        moves a different pipeline on.
        """
        async with asyncio.TaskGroup() as loops:
            for _ in range(self._deps.settings.provisioner_workers):
                loops.create_task(self.run())

    async def run(self) -> None:
        interval = self._deps.settings.provisioner_poll_interval
        while True:
            if await self.tick():
                continue
            # Not wait_for: on 3.11 it can swallow the cancellation that stops the engine.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._deps.wake.wait()
            self._deps.wake.clear()

    async def tick(self) -> bool:
        """Move one due pipeline on; False if none was due.

        While the pipeline is due again at once (its next step, or its compensation), the
        same transaction goes on with it under the row lock it already holds, rather than
        committing and polling for it again: a pooled tenant's five steps are one transaction.
        Each unit of work is still its own span, and the events of all of them commit together.
        """
        async with self._units() as uow:
            pipeline = await uow.pipelines.next_due()
            if pipeline is None:
                return False
            structlog.contextvars.bind_contextvars(
                pipeline_id=str(pipeline.id), tenant_id=str(pipeline.tenant_id)
            )
            for _ in range(CHAIN_LIMIT):
                await self._unit(pipeline, uow)
                pipeline = await uow.pipelines.still_due(pipeline.id)
                if pipeline is None:
                    break
            await uow.commit()
        return True

    async def _unit(self, pipeline: Pipeline, uow: ProvisionerUnitOfWork) -> None:
        # Polled, not consumed: the saga's trace comes from the pipeline, where the last unit
        # of work on it (a handler, or this engine) left it.
        with tracing.span(
            _span_name(pipeline),
            parent=tracing.extract(pipeline.trace_context),
            attributes=_span_attributes(pipeline),
        ):
            if pipeline.status is PipelineStatus.WAITING:
                overdue = pipeline.callback_overdue(datetime.now(UTC), self._deps.rules)
                await events.record(uow, overdue)
            elif pipeline.status is PipelineStatus.COMPENSATING:
                await self._compensate(pipeline, uow)
            else:
                await self._advance(pipeline, uow)

    async def _advance(self, pipeline: Pipeline, uow: ProvisionerUnitOfWork) -> None:
        await events.record(uow, pipeline.start_attempt())
        outcome: Outcome
        try:
            async with uow.savepoint():
                outcome = await run_step(pipeline, uow, self._deps)
        except Exception as exc:
            # A `StepFailed` is the step's own verdict, whatever caused it.
            outcome = AttemptFailed(exc, None if isinstance(exc, StepFailed) else engine_error(exc))
        completion = await self._deps.completion(pipeline) if isinstance(outcome, Done) else None
        moved = pipeline.advance(outcome, datetime.now(UTC), self._deps.rules, completion)
        _log_advance(moved, outcome)
        await events.record(uow, moved)

    async def _compensate(self, pipeline: Pipeline, uow: ProvisionerUnitOfWork) -> None:
        """Undo everything the ledger lists for this pipeline, newest first; then say why.

        Never gives up: what the ledger lists must go, however long an engine is away.
        """
        for resource in await self._deps.ledger.open(pipeline_id=pipeline.id):
            try:
                async with uow.savepoint():
                    await undo(resource, uow, self._deps)
            except Exception as exc:
                tracing.record_error(exc)
                now, away = datetime.now(UTC), engine_error(exc)
                blocked = pipeline.compensation_blocked(away, now)
                if away is None:
                    log.error(
                        "compensation failed; will retry", resource=resource.name, error=repr(exc)
                    )
                else:
                    since = blocked.after.outage_since or now
                    log.warning(
                        "compensation waits for an engine",
                        resource=resource.name,
                        error=f"{type(away).__name__}: {away}",
                        waited=round((now - since).total_seconds()),
                    )
                await events.record(uow, blocked)
                return
        compensated = pipeline.compensated(datetime.now(UTC))
        await events.record(uow, compensated)
        log.info("pipeline compensated", outcome=compensated.after.status.value)


def _log_advance(moved: Transition, outcome: Outcome) -> None:
    step = moved.before.step
    if isinstance(outcome, AttemptFailed):
        failed = next(e for e in moved.events if isinstance(e, ev.StepAttemptFailed))
        if moved.waits_for_engine:
            tracing.record_error(outcome.engine_away or outcome.error)
            log.warning(
                "step waits for an engine", step=step, attempt=failed.attempt, error=failed.error
            )
            return
        tracing.record_error(outcome.error)
        log.warning(
            "step attempt failed",
            step=step,
            attempt=failed.attempt,
            error=failed.error,
            retry=failed.will_retry,
        )
    elif moved.after.status is PipelineStatus.WAITING:
        log.info("waiting for the external pipeline's callback", step=step)
    elif moved.after.status is PipelineStatus.SUCCEEDED:
        log.info("pipeline succeeded")


def _span_name(pipeline: Pipeline) -> str:
    if pipeline.status is PipelineStatus.COMPENSATING:
        return "pipeline compensate"
    step = pipeline.step if pipeline.current < len(pipeline.steps) else "end"
    if pipeline.status is PipelineStatus.WAITING:
        return f"pipeline {step} callback overdue"
    return f"pipeline step {step}"


def _span_attributes(pipeline: Pipeline) -> dict[str, Any]:
    if not tracing.enabled():
        return {}
    return {
        "controlplane.pipeline_id": str(pipeline.id),
        "controlplane.tenant_id": str(pipeline.tenant_id),
        "controlplane.pipeline.status": str(pipeline.status),
        "controlplane.pipeline.attempt": pipeline.attempt + 1,
    }
