"""What the engine, the steps and the handlers use besides their unit of work, built once in
the app's lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from provisioner.adapters import faults as fault_hooks
from provisioner.adapters.drivers import Driver
from provisioner.adapters.identity_provider import IdentityDriver
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.secrets_box import SecretBox
from provisioner.adapters.tenant_data import TenantData
from provisioner.domain.outcomes import Completion
from provisioner.domain.pipeline import Pipeline
from provisioner.domain.status import StepRules
from provisioner.settings import ProvisionerSettings
from service_kit.exports import ExportStore


@dataclass(frozen=True)
class ProvisionerDeps:
    settings: ProvisionerSettings
    tenant_data: TenantData
    ledger: Ledger
    redis: Redis
    driver: Driver
    box: SecretBox
    exports: ExportStore
    identity: IdentityDriver
    # Set once a transaction made a pipeline due: the engine's loops look at once.
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def names(self, key: str) -> str:
        """Schema, role and policy name of a tenant: prefix + key."""
        return f"{self.settings.tenant_role_prefix}{key}"

    def app_url(self, key: str) -> str:
        return self.settings.tenant_app_url_template.format(key=key)

    @property
    def rules(self) -> StepRules:
        s = self.settings
        return StepRules(
            attempts=s.provisioner_step_attempts,
            retry_base=s.provisioner_step_retry_base,
            outage_tolerance=s.provisioner_outage_tolerance,
            callback_timeout=s.provisioner_callback_timeout,
        )

    async def faults(self, tenant_key: str) -> fault_hooks.Faults:
        """The test and demo hooks set for the tenant (none unless enabled)."""
        s = self.settings
        return await fault_hooks.load_faults(
            self.redis, s.redis_key_prefix, tenant_key, s.provisioner_faults_enabled
        )

    async def completion(self, pipeline: Pipeline) -> Completion | None:
        """What the pipeline completes with, if its current step is its last; else None."""
        if not pipeline.on_last_step:
            return None
        resources = await self.ledger.open(pipeline_id=pipeline.id)
        return Completion(
            default_app_url=self.app_url(pipeline.tenant_key),
            resources=tuple(r.label for r in resources),
        )
