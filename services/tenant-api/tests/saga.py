"""Test helpers: the provisioner's side of the saga, and waiting for asynchronous outcomes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from service_kit import api_keys
from service_kit.sealing import Keyring
from service_kit.settings import DEV_API_KEY_HANDOVER_KEY
from service_kit_testing import EventTap, SqlRunner, TestInfra, publish_raw
from shared_schemas import Actor, Envelope
from shared_schemas import events as contracts

T = TypeVar("T")
Sql = SqlRunner
# Step times a little ahead of the pipelines the tests start, as real ones would be.
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class FakeProvisioner:
    """Builds the events the provisioner would publish for one pipeline, and publishes them."""

    infra: TestInfra
    tenant_id: uuid.UUID
    pipeline_id: uuid.UUID

    def _ids(self) -> dict[str, Any]:
        return {
            "producer": "provisioner",
            "correlation_id": self.pipeline_id,
            "tenant_id": self.tenant_id,
        }

    def _step(self, step: str, attempt: int, when: datetime) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "pipeline_id": self.pipeline_id,
            "step": step,
            "attempt": attempt,
            "at": when,
        }

    def started(self, step: str, attempt: int, when: datetime) -> Envelope:
        return contracts.StepStarted.build(
            contracts.StepData(**self._step(step, attempt, when)), **self._ids()
        )

    def succeeded(self, step: str, attempt: int, when: datetime) -> Envelope:
        data = contracts.StepSucceededData(**self._step(step, attempt, when), details={"ok": True})
        return contracts.StepSucceeded.build(data, **self._ids())

    def failed(
        self, step: str, attempt: int, when: datetime, error: str, *, will_retry: bool
    ) -> Envelope:
        data = contracts.StepFailedData(
            **self._step(step, attempt, when), error=error, will_retry=will_retry
        )
        return contracts.StepFailed.build(data, **self._ids())

    def compensated(self, step: str, when: datetime) -> Envelope:
        return contracts.StepCompensated.build(
            contracts.StepData(**self._step(step, 1, when)), **self._ids()
        )

    def completed(self, app_url: str = "https://app.example/t") -> Envelope:
        data = contracts.ProvisioningCompletedData(
            tenant_id=self.tenant_id,
            pipeline_id=self.pipeline_id,
            app_url=app_url,
            resources=["schema"],
        )
        return contracts.ProvisioningCompleted.build(data, **self._ids())

    def failed_pipeline(self, step: str, reason: str) -> Envelope:
        data = contracts.ProvisioningFailedData(
            tenant_id=self.tenant_id, pipeline_id=self.pipeline_id, step=step, reason=reason
        )
        return contracts.ProvisioningFailed.build(data, **self._ids())

    def cancelled(self) -> Envelope:
        data = contracts.ProvisioningCancelledData(
            tenant_id=self.tenant_id, pipeline_id=self.pipeline_id
        )
        return contracts.ProvisioningCancelled.build(data, **self._ids())

    def invoice(self, amount: str = "49.00", plan_id: str = "standard") -> contracts.InvoiceIssued:
        data = contracts.InvoiceIssuedData(
            tenant_id=self.tenant_id,
            pipeline_id=self.pipeline_id,
            invoice_id=uuid.uuid4(),
            plan_id=plan_id,
            amount=amount,
            currency="USD",
            period_start=at(0),
            period_end=at(30 * 86400),
        )
        return contracts.InvoiceIssued.build(data, **self._ids())

    def deprovisioned(self) -> Envelope:
        data = contracts.TenantDeprovisionedData(
            tenant_id=self.tenant_id, resources_removed=["schema"]
        )
        return contracts.TenantDeprovisioned.build(data, **self._ids())

    def key_issued(self, plaintext: str, key_id: uuid.UUID | None = None) -> contracts.ApiKeyIssued:
        """The initial key's handover, sealed under the development API_KEY_HANDOVER_KEYS; a
        key of the `cpk_` shape comes with what tenant-api registers, as the provisioner's."""
        key_id = key_id or uuid.uuid4()
        keys = Keyring.parse(f"dev:{DEV_API_KEY_HANDOVER_KEY}")
        public_id = api_keys.public_id_of(plaintext)
        data = contracts.ApiKeyIssuedData(
            tenant_id=self.tenant_id,
            api_key_id=key_id,
            prefix=plaintext[:12],
            key=keys.seal(plaintext, contracts.api_key_handover_binding(key_id)),
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            public_id=public_id,
            key_hash=None if public_id is None else api_keys.digest(plaintext),
            scopes=None if public_id is None else ["admin"],
        )
        return contracts.ApiKeyIssued.build(data, **self._ids())

    def key_revoked(self, key_id: uuid.UUID) -> contracts.ApiKeyRevoked:
        data = contracts.ApiKeyRevokedData(
            tenant_id=self.tenant_id,
            api_key_id=key_id,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        return contracts.ApiKeyRevoked.build(data, **self._ids())

    def database_issued(
        self, password: str, *, issued_at: datetime, actor: Actor | None = None
    ) -> contracts.DatabaseCredentialsIssued:
        """A pooled tenant's database login, sealed as the provisioner hands it over."""
        keys = Keyring.parse(f"dev:{DEV_API_KEY_HANDOVER_KEY}")
        connection = contracts.DatabaseConnection(
            host="db.example",
            port=5432,
            database="tenant_data",
            role="tenant_acme",
            password=password,
            pooled_table="pooled.records",
            row_tenant_id=self.tenant_id,
            issued_at=issued_at,
        )
        data = contracts.DatabaseCredentialsIssuedData(
            tenant_id=self.tenant_id,
            connection=keys.seal(
                connection.model_dump_json(),
                contracts.database_credentials_binding(self.tenant_id),
            ),
        )
        return contracts.DatabaseCredentialsIssued.build(data, **self._ids(), actor=actor)

    def access_changed(
        self,
        kind: type[contracts.TenantAccessSuspended] | type[contracts.TenantAccessRestored],
        cause: Envelope,
        roles: list[str],
    ) -> Envelope:
        """The provisioner's answer to a suspension or reactivation: it inherits the actor."""
        data = contracts.TenantAccessData(tenant_id=self.tenant_id, roles=roles)
        return kind.build(
            data, producer="provisioner", correlation_id=cause.correlation_id, causation=cause
        )

    async def publish(self, *events: Envelope) -> None:
        for event in events:
            await publish_raw(self.infra, event.type, event.model_dump_json().encode())


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, what: str = "condition"
) -> T:
    """The first non-None, non-False result of `check`, polling until `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result is not None and result is not False:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def processed(sql: Sql, consumer: str, events: Iterable[Envelope]) -> None:
    """Wait until `consumer` has committed every one of `events` (applied or ignored)."""
    ids = list({e.id for e in events})

    async def done() -> bool:
        rows = await sql(
            "SELECT count(*) AS n FROM tenant_api.inbox "
            "WHERE consumer = :c AND event_id = ANY(:ids)",
            c=consumer,
            ids=ids,
        )
        return bool(rows[0].n == len(ids))

    await eventually(done, what=f"{consumer} to process {len(ids)} event(s)")


async def activate(saga: FakeProvisioner, sql: Sql) -> None:
    """The saga's pipeline completed, and the tenant ACTIVE once tenant-api took that in."""
    completed = saga.completed()
    await saga.publish(completed)
    await processed(sql, "pipeline-outcomes", [completed])


async def tenant_event(
    tap: EventTap, event_type: str, tenant_id: Any, *, count: int = 1, timeout: float = 15.0
) -> list[Any]:
    """The events of `event_type` about `tenant_id` the tap has seen, once there are `count`."""

    async def seen() -> list[Any] | None:
        found = [
            e for e in tap.received if e.type == event_type and str(e.tenant_id) == str(tenant_id)
        ]
        return found if len(found) >= count else None

    return await eventually(seen, timeout=timeout, what=f"{count}x {event_type}")
