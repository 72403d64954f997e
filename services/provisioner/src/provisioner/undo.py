"""Undoing what a step made, one ledger resource at a time."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from provisioner import identity_clients
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain.access import LOGIN_SUSPENDED
from provisioner.domain.resource import Resource


async def undo(
    resource: Resource,
    uow: ProvisionerUnitOfWork,
    deps: ProvisionerDeps,
    *,
    reason: identity_clients.RemovalReason = "compensated",
) -> None:
    """Remove one ledger resource (idempotent), then mark it DELETED; `reason` is why, for
    the resources whose removal is announced."""
    kind, name = resource.kind, resource.name
    if kind == "schema":
        await deps.tenant_data.drop_schema(name)
    elif kind == "role":
        await deps.tenant_data.drop_role(name)
    elif kind == "pooled_tenant":
        await deps.tenant_data.remove_pooled_tenant(resource.tenant_id)
    elif kind == "policy":
        await deps.tenant_data.drop_policy(name)
    elif kind == LOGIN_SUSPENDED:
        pass  # the role goes with its own resource, older in the ledger: never given back first
    elif kind == "api_key":
        await uow.api_keys.revoke(UUID(name), timedelta(seconds=deps.settings.initial_key_ttl))
    elif kind == "webhook_run":
        # Kept (finished) until it expires, for duplicate detection; new deliveries are refused.
        await uow.webhook_runs.finish(resource.pipeline_id)
    elif kind == "subscription":
        await uow.subscriptions.cancel(UUID(name))
    elif kind == identity_clients.OIDC_CLIENT:
        await identity_clients.remove(resource, uow, deps, reason)
    else:
        raise ValueError(f"no undo for resource kind {kind!r}")
    await uow.ledger.mark_deleted(resource.id)
