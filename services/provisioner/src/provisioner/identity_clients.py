"""A tenant's own OpenID client: registered by the `identity` step at the configured provider
(RFC 7591), deleted on compensation and offboarding (RFC 7592).

The ledger row is written before the provider is asked; its id is in the client's name, so a
registration the ledger never learnt of (a crash between the provider's answer and the mark)
can still be found at the provider by that id. Once CREATED the row keeps what deletion needs,
the registration access token and the client's secret sealed (bound to the tenant and the
row's kind and name), and what is handed over to tenant-api is read back from there: a
repeated attempt reuses the client and hands the same one over again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import structlog

from provisioner import PRODUCER
from provisioner.adapters.identity_provider import (
    ProviderRefused,
    ProviderUnavailable,
    Registration,
)
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from provisioner.domain.outcomes import Done, StepFailed
from provisioner.domain.pipeline import Pipeline
from provisioner.domain.resource import Resource
from shared_schemas.events import (
    IdentityClientRegistered,
    IdentityClientRegisteredData,
    IdentityClientRemoved,
    IdentityClientRemovedData,
    IdentityClientSecrets,
    StepName,
    identity_client_binding,
)

log = structlog.get_logger(__name__)

OIDC_CLIENT = "oidc_client"
RemovalReason = Literal["compensated", "offboarded"]


def client_metadata(deps: ProvisionerDeps, key: str, resource_id: UUID) -> dict[str, Any]:
    """What is registered: the operator's extras, then the fields the control plane relies on."""
    settings = deps.settings
    redirect = deps.app_url(key).rstrip("/") + settings.identity_redirect_path
    return {
        **settings.identity_client_metadata,
        "client_name": f"{key} (control plane ledger {resource_id})",
        "redirect_uris": [redirect],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


async def register(pipeline: Pipeline, uow: ProvisionerUnitOfWork, deps: ProvisionerDeps) -> Done:
    """The `identity` step: the tenant's client registered once, and handed over."""
    tenant_id, name = pipeline.tenant_id, deps.names(pipeline.tenant_key)
    details = await deps.ledger.created_details(tenant_id, OIDC_CLIENT, name)
    if details is None:  # not registered yet (or only begun: the gap the module names)
        resource_id = await deps.ledger.begin(
            tenant_id=tenant_id,
            pipeline_id=pipeline.id,
            step=StepName.IDENTITY,
            kind=OIDC_CLIENT,
            name=name,
        )
        metadata = client_metadata(deps, pipeline.tenant_key, resource_id)
        try:
            registration = await deps.identity.register(metadata)
        except ProviderRefused as exc:
            raise StepFailed(str(exc), permanent=True) from exc
        except ProviderUnavailable as exc:
            raise StepFailed(str(exc)) from exc
        details = _details(deps, tenant_id, name, registration)
        await deps.ledger.mark_created(resource_id, details)
        log.info("identity client registered", client_id=registration.client_id)
    await _hand_over(uow, deps, pipeline, name, details)
    return Done({"client_id": details["client_id"], "issuer": details["issuer"]})


async def remove(
    resource: Resource,
    uow: ProvisionerUnitOfWork,
    deps: ProvisionerDeps,
    reason: RemovalReason,
) -> None:
    """Delete the registration at the provider (gone already counts), then say so."""
    details = await deps.ledger.details(resource.id)
    if "client_id" not in details:
        # Begun, never marked: the provider may hold a client named after this row's id.
        log.warning(
            "identity client never recorded as registered; look for it at the provider",
            ledger_row=str(resource.id),
        )
        return
    secrets = _opened(deps, resource.tenant_id, resource.name, details)
    try:
        await deps.identity.remove(
            details["registration_client_uri"], secrets.registration_access_token
        )
    except ProviderRefused as exc:
        raise RuntimeError(f"identity client {details['client_id']} not removed: {exc}") from exc
    await uow.outbox.add(
        IdentityClientRemoved.build(
            IdentityClientRemovedData(
                tenant_id=resource.tenant_id,
                issuer=details["issuer"],
                client_id=details["client_id"],
                removed_at=datetime.now(UTC),
                reason=reason,
            ),
            producer=PRODUCER,
            correlation_id=resource.pipeline_id,
            tenant_id=resource.tenant_id,
        )
    )


def _bound(tenant_id: UUID, name: str) -> str:
    """What the ledger's sealed secrets are bound to: this tenant's client, not its role of the
    same name (whose password is sealed bound to `tenant:name`)."""
    return f"{tenant_id}:{name}:{OIDC_CLIENT}"


def _details(
    deps: ProvisionerDeps, tenant_id: UUID, name: str, registration: Registration
) -> dict[str, Any]:
    secrets = IdentityClientSecrets(
        client_secret=registration.client_secret,
        registration_access_token=registration.registration_access_token,
        registration_client_uri=registration.registration_client_uri,
    )
    return {
        "issuer": deps.identity.issuer,
        "client_id": registration.client_id,
        "registration_client_uri": registration.registration_client_uri,
        "redirect_uris": registration.redirect_uris,
        "registered_at": datetime.now(UTC).isoformat(),
        "secrets": deps.box.seal(secrets.model_dump_json(), bound_to=_bound(tenant_id, name)),
    }


def _opened(
    deps: ProvisionerDeps, tenant_id: UUID, name: str, details: dict[str, Any]
) -> IdentityClientSecrets:
    plaintext = deps.box.open(details["secrets"], bound_to=_bound(tenant_id, name))
    return IdentityClientSecrets.model_validate(json.loads(plaintext))


async def _hand_over(
    uow: ProvisionerUnitOfWork,
    deps: ProvisionerDeps,
    pipeline: Pipeline,
    name: str,
    details: dict[str, Any],
) -> None:
    """The client, its secrets sealed for tenant-api, in the step's own transaction."""
    tenant_id = pipeline.tenant_id
    secrets = _opened(deps, tenant_id, name, details)
    sealed = deps.settings.handover_keyring().seal(
        secrets.model_dump_json(), identity_client_binding(tenant_id)
    )
    await uow.outbox.add(
        IdentityClientRegistered.build(
            IdentityClientRegisteredData(
                tenant_id=tenant_id,
                pipeline_id=pipeline.id,
                issuer=details["issuer"],
                client_id=details["client_id"],
                redirect_uris=details["redirect_uris"],
                registered_at=datetime.fromisoformat(details["registered_at"]),
                secrets=sealed,
            ),
            producer=PRODUCER,
            correlation_id=pipeline.id,
            tenant_id=tenant_id,
        )
    )
