"""A tenant's database login handed over (sealed, in `tenant.database_credentials_issued`) and
its password rotated.

The password the ledger's role row keeps is the truth: it is sealed there before the role gets
it, and what is handed over is read back from there. A rotation request's id goes into the row
with the new password, so a request seen again (a redelivery after a crash between the ledger
and the commit) sets that same password again instead of another one.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog

from provisioner import PRODUCER, access
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from shared_schemas import Envelope
from shared_schemas.events import (
    DatabaseConnection,
    DatabaseCredentialsIssued,
    DatabaseCredentialsIssuedData,
    DatabasePasswordRotationRequested,
    Tier,
    database_credentials_binding,
)

log = structlog.get_logger(__name__)

ROLE = "role"
POOLED_TABLE = "pooled.records"
# Request ids a role row remembers: enough for any redelivery, bounded for a busy tenant.
_REMEMBERED = 20


def new_password() -> str:
    return secrets.token_hex(24)


def sealed_password(deps: ProvisionerDeps, tenant_id: UUID, role: str, password: str) -> str:
    """The password as the role's ledger row keeps it: bound to the tenant and the role."""
    return deps.box.seal(password, bound_to=f"{tenant_id}:{role}")


async def issue(
    uow: ProvisionerUnitOfWork,
    deps: ProvisionerDeps,
    *,
    tenant_id: UUID,
    role: str,
    tier: Tier,
    correlation_id: UUID,
    causation: Envelope | None = None,
) -> None:
    """Put the role's connection, with the password its ledger row keeps, in the outbox."""
    details = await deps.ledger.created_details(tenant_id, ROLE, role)
    if details is None or "password" not in details:
        raise LookupError(f"no created role {role!r} with a password for the tenant")
    password = deps.box.open(details["password"], bound_to=f"{tenant_id}:{role}")
    host, port, database = deps.settings.tenant_data_address()
    silo = tier is Tier.SILO
    connection = DatabaseConnection(
        host=host,
        port=port,
        database=database,
        role=role,
        password=password,
        schema_name=role if silo else None,  # a silo tenant's schema has its role's name
        pooled_table=None if silo else POOLED_TABLE,
        row_tenant_id=None if silo else tenant_id,
        issued_at=datetime.now(UTC),
    )
    sealed = deps.settings.handover_keyring().seal(
        connection.model_dump_json(), database_credentials_binding(tenant_id)
    )
    await uow.outbox.add(
        DatabaseCredentialsIssued.build(
            DatabaseCredentialsIssuedData(tenant_id=tenant_id, connection=sealed),
            producer=PRODUCER,
            correlation_id=correlation_id,
            tenant_id=tenant_id,
            causation=causation,
        )
    )


async def rotate_password(
    event: DatabasePasswordRotationRequested, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps
) -> None:
    """New password in the ledger row first, then on the role, then handed over."""
    tenant_id = event.data.tenant_id
    await access.hold(uow, tenant_id)  # no suspension or offboarding beside it
    roles = await uow.ledger.live(tenant_id, ROLE)
    if not roles:
        log.warning("no database login to rotate (not provisioned, or offboarded); ignored")
        return
    role = roles[0]
    pipeline = await uow.pipelines.get(role.pipeline_id)
    assert pipeline is not None, "a role belongs to a pipeline"
    details: dict[str, Any] = dict(
        await deps.ledger.created_details(tenant_id, ROLE, role.name) or {}
    )
    rotated_by: list[str] = list(details.get("rotated_by", []))
    if str(event.id) in rotated_by:  # this request's password is already the row's
        password = deps.box.open(details["password"], bound_to=f"{tenant_id}:{role.name}")
    else:
        password = new_password()
        details["password"] = sealed_password(deps, tenant_id, role.name, password)
        details["rotated_by"] = [*rotated_by, str(event.id)][-_REMEMBERED:]
        await deps.ledger.set_details(role.id, details)
    await deps.tenant_data.set_password(role.name, password)
    log.info("database password rotated", role=role.name)
    await issue(
        uow,
        deps,
        tenant_id=tenant_id,
        role=role.name,
        tier=pipeline.tier,
        correlation_id=event.correlation_id,
        causation=event,
    )
