"""The steps' effects and their undoing. Every effect is idempotent and in the ledger first."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Row, insert, select, update

from provisioner.adapters import faults as fault_hooks
from provisioner.adapters import initial_keys, webhook_runs
from provisioner.adapters.drivers import DriverJob
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.orm import api_keys, resources, subscriptions
from provisioner.deps import Deps
from provisioner.domain.pipeline import ResourceStatus
from provisioner.domain.plan import PreflightFailed, preflight
from service_kit.db import UnitOfWork
from shared_schemas.events import InvoiceIssued, InvoiceIssuedData, PlanFacts, Tier

PRODUCER = "provisioner"


class StepFailed(Exception):
    """A step attempt failed; `permanent` ones are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Done:
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Waiting:
    """The step triggered an external pipeline and waits for its callback."""


Outcome = Done | Waiting


# Built once; each row's values are the parameters.
_ADD_SUBSCRIPTION = insert(subscriptions)


async def run_step(step: str, pipeline: Row[Any], uow: UnitOfWork, deps: Deps) -> Outcome:
    faults = await fault_hooks.load_faults(
        deps.redis,
        deps.settings.redis_key_prefix,
        pipeline.tenant_key,
        deps.settings.provisioner_faults_enabled,
    )
    if faults.failing_step == step:
        raise StepFailed(f"injected fault in {step}")
    if step == "infrastructure":
        return await _infrastructure(pipeline, uow, deps, faults)
    return await _STEPS[step](pipeline, uow, deps)


async def _preflight(pipeline: Row[Any], uow: UnitOfWork, deps: Deps) -> Outcome:
    name = deps.names(pipeline.tenant_key)
    try:
        preflight(
            key=pipeline.tenant_key,
            tier=Tier(pipeline.tier),
            plan=PlanFacts.model_validate(pipeline.plan),
            reserved=deps.settings.provisioner_reserved_keys,
            key_in_use=await deps.ledger.name_held_by_other(name, pipeline.tenant_id),
            silo_count=await deps.ledger.count_open("schema"),
            silo_capacity=deps.settings.provisioner_max_silo_tenants,
        )
    except PreflightFailed as exc:
        raise StepFailed(str(exc), permanent=True) from exc
    return Done({"checks": ["plan", "key", "capacity"]})


async def _database(pipeline: Row[Any], uow: UnitOfWork, deps: Deps) -> Outcome:
    name = deps.names(pipeline.tenant_key)
    ids = {"tenant_id": pipeline.tenant_id, "pipeline_id": pipeline.id, "step": "database"}
    if pipeline.tier == Tier.SILO:
        schema = await deps.ledger.begin(**ids, kind="schema", name=name)
        await deps.tenant_data.create_schema(name)
        await deps.ledger.mark(schema, ResourceStatus.CREATED)
        password = secrets.token_hex(24)
        sealed = deps.box.seal(password, bound_to=f"{pipeline.tenant_id}:{name}")
        role = await deps.ledger.begin(**ids, kind="role", name=name, details={"password": sealed})
        await deps.tenant_data.create_role(name, password, name)
        await deps.ledger.mark(role, ResourceStatus.CREATED)
        return Done({"schema": name, "role": name})
    row = await deps.ledger.begin(**ids, kind="pooled_tenant", name=name)
    await deps.tenant_data.add_pooled_tenant(pipeline.tenant_id, pipeline.tenant_key)
    await deps.ledger.mark(row, ResourceStatus.CREATED)
    policy = await deps.ledger.begin(**ids, kind="policy", name=name)
    await deps.tenant_data.add_policy(name, pipeline.tenant_id)
    await deps.ledger.mark(policy, ResourceStatus.CREATED)
    return Done({"schema": "pooled", "policy": name})


async def _credentials(pipeline: Row[Any], uow: UnitOfWork, deps: Deps) -> Outcome:
    existing = await uow.session.scalar(
        select(api_keys.c.id).where(
            api_keys.c.pipeline_id == pipeline.id, api_keys.c.revoked_at.is_(None)
        )
    )
    if existing is not None:  # an attempt repeated after the key was made
        return Done({"api_key_id": str(existing)})
    key_id, prefix = await initial_keys.issue(
        uow,
        deps.settings.handover_keyring(),
        tenant_id=pipeline.tenant_id,
        tenant_key=pipeline.tenant_key,
        pipeline_id=pipeline.id,
        handover_for=timedelta(seconds=deps.settings.initial_key_ttl),
    )
    return Done({"api_key_id": str(key_id), "prefix": prefix})


async def _infrastructure(
    pipeline: Row[Any], uow: UnitOfWork, deps: Deps, faults: fault_hooks.Faults
) -> Outcome:
    ids = {"tenant_id": pipeline.tenant_id, "pipeline_id": pipeline.id, "step": "infrastructure"}
    # The run, its ledger row and its announcement commit with the step's waiting: the secret
    # exists before anything is triggered, so the callback can always be verified.
    await Ledger.record_in(uow.session, **ids, kind="webhook_run", name=str(pipeline.tenant_id))
    run = await webhook_runs.open_run(
        uow,
        deps.settings.run_keyring(),
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        lifetime=timedelta(seconds=deps.settings.provisioner_callback_timeout + 300),
    )
    await deps.driver.trigger(
        DriverJob(
            tenant_id=pipeline.tenant_id,
            tenant_key=pipeline.tenant_key,
            tier=pipeline.tier,
            pipeline_id=pipeline.id,
            run=run,
            app_url=deps.settings.tenant_app_url_template.format(key=pipeline.tenant_key),
            hold_callback=faults.hold_callback,
            callback_delay=faults.callback_delay,
        ),
        uow,
    )
    return Waiting()


async def _billing(pipeline: Row[Any], uow: UnitOfWork, deps: Deps) -> Outcome:
    existing = await uow.session.scalar(
        select(subscriptions.c.id).where(subscriptions.c.pipeline_id == pipeline.id)
    )
    if existing is not None:
        return Done({"subscription_id": str(existing)})
    plan = PlanFacts.model_validate(pipeline.plan)
    start = datetime.now(UTC)
    end = start + (timedelta(days=365) if plan.billing_period == "yearly" else timedelta(days=30))
    subscription_id = uuid4()
    ids = {"tenant_id": pipeline.tenant_id, "pipeline_id": pipeline.id, "step": "billing"}
    await Ledger.record_in(uow.session, **ids, kind="subscription", name=str(subscription_id))
    await uow.session.execute(
        _ADD_SUBSCRIPTION,
        {
            "id": subscription_id,
            "tenant_id": pipeline.tenant_id,
            "pipeline_id": pipeline.id,
            "plan_id": plan.id,
            "amount": Decimal(plan.price),
            "currency": plan.currency,
            "period_start": start,
            "period_end": end,
            "status": "ACTIVE",
        },
    )
    await uow.outbox.add(
        InvoiceIssued.build(
            InvoiceIssuedData(
                tenant_id=pipeline.tenant_id,
                pipeline_id=pipeline.id,
                invoice_id=uuid4(),
                plan_id=plan.id,
                amount=f"{Decimal(plan.price):.2f}",
                currency=plan.currency,
                period_start=start,
                period_end=end,
            ),
            producer=PRODUCER,
            correlation_id=pipeline.id,
            tenant_id=pipeline.tenant_id,
        )
    )
    return Done({"subscription_id": str(subscription_id), "amount": plan.price})


_STEPS = {
    "preflight": _preflight,
    "database": _database,
    "credentials": _credentials,
    "billing": _billing,
}


async def undo(resource: Row[Any], uow: UnitOfWork, deps: Deps) -> None:
    """Remove one ledger resource (idempotent), then mark it DELETED."""
    kind, name = resource.kind, resource.name
    if kind == "schema":
        await deps.tenant_data.drop_schema(name)
    elif kind == "role":
        await deps.tenant_data.drop_role(name)
    elif kind == "pooled_tenant":
        await deps.tenant_data.remove_pooled_tenant(resource.tenant_id)
    elif kind == "policy":
        await deps.tenant_data.drop_policy(name)
    elif kind == "api_key":
        await initial_keys.revoke(uow, UUID(name), timedelta(seconds=deps.settings.initial_key_ttl))
    elif kind == "webhook_run":
        # Kept (finished) until it expires, for duplicate detection; new deliveries are refused.
        await webhook_runs.finish(uow, resource.pipeline_id)
    elif kind == "subscription":
        await uow.session.execute(
            update(subscriptions)
            .where(subscriptions.c.id == UUID(name), subscriptions.c.status == "ACTIVE")
            .values(status="CANCELLED", cancelled_at=datetime.now(UTC))
        )
    else:
        raise ValueError(f"no undo for resource kind {kind!r}")
    await uow.session.execute(
        update(resources)
        .where(resources.c.id == resource.id)
        .values(status=ResourceStatus.DELETED, updated_at=datetime.now(UTC))
    )
