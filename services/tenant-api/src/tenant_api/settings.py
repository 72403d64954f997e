"""tenant-api (the gateway) configuration (environment variables; see the README's table)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from service_kit.exports import ExportSettings
from service_kit.settings import (
    ApiKeyHandoverSettings,
    InternalApiSettings,
    JwtSettings,
    ServiceSettings,
)
from tenant_api.api_keys.settings import ApiKeySettings
from tenant_api.config.settings import TenantConfigSettings
from tenant_api.console.settings import ConsoleSettings
from tenant_api.front_door_settings import FrontDoorSettings
from tenant_api.identity.settings import IdentitySettings
from tenant_api.vault.settings import VaultSettings


def _positive(default: float, description: str) -> Any:
    return Field(default=default, gt=0, description=description)


class TenantApiSettings(
    ServiceSettings,
    JwtSettings,
    FrontDoorSettings,
    IdentitySettings,
    ConsoleSettings,
    VaultSettings,
    TenantConfigSettings,
    ApiKeyHandoverSettings,
    ExportSettings,
    ApiKeySettings,
    InternalApiSettings,
):
    service_name: str = "tenant-api"
    db_schema: str = "tenant_api"
    port: int = 8000

    lead_verifier_url: str = "http://127.0.0.1:8001"
    upstream_timeout: float = 5.0
    lead_facts_wait: float = 3.0
    jwt_leeway: int = 10

    pipeline_sweep_interval: float = _positive(
        5.0, "Seconds between two rounds of the stale-pipeline sweeper."
    )
    pipeline_stale_after: float = _positive(
        900.0, "Seconds without a step event before a running pipeline is timed out."
    )
    pipeline_sweep_batch: int = Field(
        default=100, ge=1, description="Stale pipelines one sweeper round times out at most."
    )
    metrics_pipelines_interval: float = _positive(
        15.0, "Seconds between two refreshes of the pipelines gauge."
    )

    offboarding_grace_days: float = Field(
        default=30.0,
        ge=0,
        description="Days an offboarded tenant stays restorable (fractions for tests: 0.0001).",
    )
    offboarding_due_interval: float = _positive(
        5.0, "Seconds between two looks for offboardings whose grace has ended."
    )
    offboarding_due_batch: int = Field(
        default=20, ge=1, description="Due offboardings one round starts at most."
    )

    dlq_services: str = Field(
        default="tenant-api,lead-verifier,provisioner,webhook-receiver,notifier",
        description="Comma-separated services whose DLQs are drained into the parking lot.",
    )
    dlq_replay_per_second: float = _positive(
        50.0, "Messages a bulk dead-letter replay publishes per second."
    )
    dead_letter_retention_days: float = _positive(
        30.0, "Days a replayed or discarded dead letter is kept."
    )

    timeline_partitions_ahead: int = Field(
        default=3,
        ge=1,
        le=24,
        description="Months after the current one whose timeline partitions exist ahead of time.",
    )
    timeline_retention_months: int = Field(
        default=0,
        ge=0,
        description="Whole months of timeline kept in the database before a month is archived"
        " to the export store and dropped; 0: kept for ever.",
    )

    audit_export_batch: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Timeline entries one query of an audit export reads (a keyset batch).",
    )

    idempotency_ttl_seconds: int = Field(
        default=86400, ge=1, description="Seconds an Idempotency-Key's first answer is kept."
    )
    idempotency_lock_seconds: int = Field(
        default=30, ge=1, description="Seconds a running request holds its key; retries wait."
    )
    idempotency_lease_seconds: float = Field(
        default=5.0,
        ge=0.3,
        le=60,
        description="Seconds a claim lives unless its running request renews it.",
    )

    @property
    def offboarding_grace(self) -> timedelta:
        return timedelta(days=self.offboarding_grace_days)

    @property
    def dlq_service_names(self) -> list[str]:
        return [name.strip() for name in self.dlq_services.split(",") if name.strip()]
