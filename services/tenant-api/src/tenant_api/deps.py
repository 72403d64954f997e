"""What tenant-api's routes and jobs use besides the kit's runtime, built in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from service_kit.app import RuntimeDep
from tenant_api.adapters.config_answers import ConfigAnswers
from tenant_api.adapters.config_generations import ConfigGenerations
from tenant_api.adapters.lead_verifier_client import LeadVerifierClient
from tenant_api.adapters.vault_keys import VaultKeys
from tenant_api.auth import TokenVerifier


@dataclass(frozen=True)
class TenantApiDeps:
    lead_verifier: LeadVerifierClient
    token_verifier: TokenVerifier
    vault_keys: VaultKeys
    config_generations: ConfigGenerations
    config_answers: ConfigAnswers


async def get_deps(runtime: RuntimeDep) -> TenantApiDeps:
    deps: TenantApiDeps = runtime.deps
    return deps


DepsDep = Annotated[TenantApiDeps, Depends(get_deps)]
