"""The steps' effects. Every effect is idempotent and in the ledger first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import uuid4

from provisioner import PRODUCER, database_logins, identity_clients
from provisioner.adapters.drivers import DriverJob
from provisioner.adapters.faults import Faults
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain.outcomes import Done, StepFailed, Waiting
from provisioner.domain.pipeline import Pipeline
from provisioner.domain.plan import PreflightFailed, preflight
from provisioner.domain.resource import ResourceStatus
from shared_schemas.events import InvoiceIssued, InvoiceIssuedData, StepName, Tier

Step = Callable[[Pipeline, ProvisionerUnitOfWork, ProvisionerDeps], Awaitable[Done]]


async def run_step(
    pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> Done | Waiting:
    """Run the pipeline's current step once: done, or waiting for its callback."""
    step = pipeline.step
    faults = await deps.faults(pipeline.tenant_key)
    if faults.failing_step == step:
        raise StepFailed(f"injected fault in {step}")
    if step is StepName.INFRASTRUCTURE:
        return await _infrastructure(pipeline, uow, deps, faults)
    return await _STEPS[step](pipeline, uow, deps)


async def _preflight(pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps) -> Done:
    name = deps.names(pipeline.tenant_key)
    try:
        preflight(
            key=pipeline.tenant_key,
            tier=pipeline.tier,
            plan=pipeline.plan,
            reserved=deps.settings.provisioner_reserved_keys,
            key_in_use=await deps.ledger.name_held_by_other(name, pipeline.tenant_id),
            silo_count=await deps.ledger.count_open("schema"),
            silo_capacity=deps.settings.provisioner_max_silo_tenants,
        )
    except PreflightFailed as exc:
        raise StepFailed(str(exc), permanent=True) from exc
    return Done({"checks": ["plan", "key", "capacity"]})


async def _database(pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps) -> Done:
    name = deps.names(pipeline.tenant_key)
    ids: dict[str, Any] = {
        "tenant_id": pipeline.tenant_id,
        "pipeline_id": pipeline.id,
        "step": StepName.DATABASE,
    }
    if pipeline.tier == Tier.SILO:
        schema = await deps.ledger.begin(**ids, kind="schema", name=name)
        await deps.tenant_data.create_schema(name)
        await deps.ledger.mark(schema, ResourceStatus.CREATED)
        await _login_role(ids, name, deps, partial(deps.tenant_data.create_silo_role, schema=name))
        await _hand_over(pipeline, uow, deps, name)
        return Done({"schema": name, "role": name})
    row = await deps.ledger.begin(**ids, kind="pooled_tenant", name=name)
    await deps.tenant_data.add_pooled_tenant(pipeline.tenant_id, pipeline.tenant_key)
    await deps.ledger.mark(row, ResourceStatus.CREATED)
    # The role before its policy: a policy names its role, and a role no policy names sees
    # nothing, so no moment between the two shows it anyone's rows.
    await _login_role(ids, name, deps, deps.tenant_data.create_pooled_role)
    policy = await deps.ledger.begin(**ids, kind="policy", name=name)
    await deps.tenant_data.add_policy(name, pipeline.tenant_id, role=name)
    await deps.ledger.mark(policy, ResourceStatus.CREATED)
    await _hand_over(pipeline, uow, deps, name)
    return Done({"schema": "pooled", "role": name, "policy": name})


async def _hand_over(
    pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps, role: str
) -> None:
    """The login's connection to tenant-api, in the step's own transaction."""
    await database_logins.issue(
        uow,
        deps,
        tenant_id=pipeline.tenant_id,
        role=role,
        tier=pipeline.tier,
        correlation_id=pipeline.id,
    )


async def _login_role(
    ids: dict[str, Any],
    name: str,
    deps: ProvisionerDeps,
    create: Callable[[str, str], Awaitable[None]],
) -> None:
    """The tenant's login role, its password sealed into its ledger row (bound to the tenant
    and the role) before the role exists; what is handed over is read back from there."""
    password = database_logins.new_password()
    sealed = database_logins.sealed_password(deps, ids["tenant_id"], name, password)
    role = await deps.ledger.begin(**ids, kind="role", name=name, details={"password": sealed})
    await create(name, password)
    await deps.ledger.mark(role, ResourceStatus.CREATED)


async def _credentials(
    pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> Done:
    existing = await uow.api_keys.live_of(pipeline.id)
    if existing is not None:  # an attempt repeated after the key was made
        return Done({"api_key_id": str(existing)})
    key_id, prefix = await uow.api_keys.issue(
        deps.settings.handover_keyring(),
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        handover_for=timedelta(seconds=deps.settings.initial_key_ttl),
    )
    return Done({"api_key_id": str(key_id), "prefix": prefix})


async def _infrastructure(
    pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps, faults: Faults
) -> Waiting:
    # The run, its ledger row and its announcement commit with the step's waiting: the secret
    # exists before anything is triggered, so the callback can always be verified.
    await uow.ledger.record(
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        step=StepName.INFRASTRUCTURE,
        kind="webhook_run",
        name=str(pipeline.tenant_id),
    )
    run = await uow.webhook_runs.open_run(
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
            app_url=deps.app_url(pipeline.tenant_key),
            hold_callback=faults.hold_callback,
            callback_delay=faults.callback_delay,
        ),
        uow,
    )
    return Waiting()


async def _billing(pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps) -> Done:
    existing = await uow.subscriptions.of(pipeline.id)
    if existing is not None:
        return Done({"subscription_id": str(existing)})
    plan = pipeline.plan
    start = datetime.now(UTC)
    end = start + (timedelta(days=365) if plan.billing_period == "yearly" else timedelta(days=30))
    subscription_id = uuid4()
    await uow.ledger.record(
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        step=StepName.BILLING,
        kind="subscription",
        name=str(subscription_id),
    )
    await uow.subscriptions.add(
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
        }
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


_STEPS: dict[StepName, Step] = {
    StepName.PREFLIGHT: _preflight,
    StepName.DATABASE: _database,
    StepName.IDENTITY: identity_clients.register,
    StepName.CREDENTIALS: _credentials,
    StepName.BILLING: _billing,
}
