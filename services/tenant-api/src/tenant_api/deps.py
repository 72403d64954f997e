"""What tenant-api's routes and jobs use besides the kit's runtime, built in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from service_kit.app import RuntimeDep
from service_kit.exports import ExportStore
from tenant_api.api_keys.verification import KeyVerifier
from tenant_api.config.tenant_configs import TenantConfigs
from tenant_api.identity.token_verifier import TokenVerifier
from tenant_api.leads.lead_verifier_client import LeadVerifierClient
from tenant_api.vault.keys import VaultKeys


@dataclass(frozen=True)
class TenantApiDeps:
    lead_verifier: LeadVerifierClient
    token_verifier: TokenVerifier
    vault_keys: VaultKeys
    configs: TenantConfigs
    exports: ExportStore
    key_verifier: KeyVerifier


async def get_deps(runtime: RuntimeDep) -> TenantApiDeps:
    deps: TenantApiDeps = runtime.deps
    return deps


DepsDep = Annotated[TenantApiDeps, Depends(get_deps)]
