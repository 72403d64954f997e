"""Suspension and reactivation in the tenant-data database: a suspended tenant's roles may not
log in, and reactivation gives back exactly the logins the suspension took.

Every role whose login a suspension turns off is in the ledger (`login_suspended`, written
before the ALTER) until reactivation has given it back, so a crash between the two is repaired
by the redelivery, and offboarding a suspended tenant removes its roles as any others.
"""

from __future__ import annotations

from uuid import UUID

import structlog

from provisioner import PRODUCER
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain.access import LOGIN_SUSPENDED, AccessChange
from provisioner.domain.resource import ResourceStatus
from shared_schemas.events import (
    StepName,
    TenantAccessData,
    TenantAccessRestored,
    TenantAccessSuspended,
    TenantReactivated,
    TenantSuspended,
)

log = structlog.get_logger(__name__)


async def suspend(
    event: TenantSuspended, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """Turn off the login of each of the tenant's roles that has one, and end its sessions."""
    tenant_id = event.data.tenant_id
    if not await _applies(uow, event, suspended=True):
        return
    held = {mark.name: mark.id for mark in await uow.ledger.live(tenant_id, LOGIN_SUSPENDED)}
    roles: list[str] = []
    for role in await uow.ledger.live(tenant_id, "role"):
        mark = held.get(role.name)
        if mark is None:
            if not await deps.tenant_data.can_log_in(role.name):
                continue  # off before the suspension (or never made): not its to give back
            mark = await deps.ledger.begin(
                tenant_id=tenant_id,
                pipeline_id=role.pipeline_id,
                step=StepName.DATABASE,
                kind=LOGIN_SUSPENDED,
                name=role.name,
            )
        ended = await deps.tenant_data.refuse_login(role.name)
        await deps.ledger.mark(mark, ResourceStatus.CREATED)
        log.info("tenant role may not log in", role=role.name, sessions_ended=ended)
        roles.append(role.name)
    await uow.outbox.add(_told(TenantAccessSuspended, event, roles))


async def restore(
    event: TenantReactivated, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """Give back the logins the suspension turned off, and only those."""
    tenant_id = event.data.tenant_id
    if not await _applies(uow, event, suspended=False):
        return
    roles: list[str] = []
    for mark in await uow.ledger.live(tenant_id, LOGIN_SUSPENDED):
        await deps.tenant_data.allow_login(mark.name)
        await uow.ledger.mark_deleted(mark.id)
        log.info("tenant role may log in again", role=mark.name)
        roles.append(mark.name)
    await uow.outbox.add(_told(TenantAccessRestored, event, roles))


async def hold(uow: ProvisionerUnitOfWork, tenant_id: UUID) -> None:
    """Until this transaction ends, no other change to the tenant's access or resources (a
    suspension, a reactivation, offboarding) runs beside it."""
    await uow.serialise(f"tenant-access:{tenant_id}")


async def _applies(
    uow: ProvisionerUnitOfWork, event: TenantSuspended | TenantReactivated, *, suspended: bool
) -> bool:
    """Record the change if it is the tenant's newest; else say so and leave everything be."""
    tenant_id = event.data.tenant_id
    await hold(uow, tenant_id)
    change = AccessChange(suspended=suspended, as_of=event.occurred_at, event_id=event.id)
    last = await uow.tenant_access.last(tenant_id)
    if not change.supersedes(last):
        assert last is not None
        log.warning(
            "access change older than the tenant's last one; ignored",
            event_type=event.type,
            last_event_id=str(last.event_id),
        )
        return False
    await uow.tenant_access.record(tenant_id, change)
    return True


def _told(
    kind: type[TenantAccessSuspended] | type[TenantAccessRestored],
    cause: TenantSuspended | TenantReactivated,
    roles: list[str],
) -> TenantAccessSuspended | TenantAccessRestored:
    data = TenantAccessData(tenant_id=cause.data.tenant_id, roles=sorted(roles))
    # Caused by tenant-api's event, so it carries its actor: who suspended, who reactivated.
    return kind.build(data, producer=PRODUCER, correlation_id=cause.correlation_id, causation=cause)
