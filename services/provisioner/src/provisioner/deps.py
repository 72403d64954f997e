"""What steps and handlers need, built once in the app's lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from provisioner.adapters.drivers import Driver
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.secrets_box import SecretBox
from provisioner.adapters.tenant_data import TenantData
from provisioner.settings import ProvisionerSettings


@dataclass
class Deps:
    settings: ProvisionerSettings
    tenant_data: TenantData
    ledger: Ledger
    redis: Redis
    driver: Driver
    box: SecretBox
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def names(self, key: str) -> str:
        """Schema, role and policy name of a tenant: prefix + key."""
        return f"{self.settings.tenant_role_prefix}{key}"
