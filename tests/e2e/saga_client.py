"""Driving and observing the saga from outside, as a user or an operator would."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
from redis.asyncio import Redis

from provisioner.adapters.faults import fault_key
from provisioner.adapters.secrets_box import SecretBox
from provisioner.settings import DEV_SECRETS_KEY
from service_kit.redis_client import close_redis, redis_client
from service_kit.sealing import Keyring
from service_kit.settings import DEV_WEBHOOK_RUN_KEY, ServiceSettings
from service_kit.tokens import mint_token
from service_kit.webhooks import WebhookRun
from service_kit_testing import SmtpSink, TestInfra
from shared_schemas.events import Sealed, webhook_run_secret_binding
from tenant_api.settings import TenantApiSettings

TERMINAL = {"ACTIVE", "PROVISION_FAILED", "CANCELLED", "OFFBOARDED"}


def admin_headers(infra: TestInfra) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(infra, 'admin')}"}


async def new_tenant(gateway: httpx.AsyncClient, tier: str) -> dict[str, Any]:
    key = "e" + uuid.uuid4().hex[:12]
    body = {
        "key": key,
        "name": f"Tenant {key}",
        "domains": [f"{key}.example"],
        "tier": tier,
        "contact": {"firstName": "Grace", "lastName": "Hopper", "email": f"grace@{key}.example"},
        "address": {"address": "1 Navy Way", "city": "Arlington", "country": "US"},
    }
    response = await gateway.post("/tenants", json=body)
    assert response.status_code == 201, response.text
    tenant: dict[str, Any] = response.json()
    return tenant


def lead_sign_up(email: str, **more: Any) -> dict[str, Any]:
    """The body of a sign-up (`POST /leads`) by Ada Lovelace at `email`."""
    return {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines",
        "email": email,
        **more,
    }


async def sign_up_and_onboard(
    public: httpx.AsyncClient, smtp_sink: SmtpSink, tier: str
) -> tuple[dict[str, Any], str]:
    """A lead signs up, verifies with the e-mailed code, onboards its tenant: (tenant, token)."""
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    signed_up = await public.post("/leads", json=lead_sign_up(email))
    assert signed_up.status_code == 201, signed_up.text
    lead_id = signed_up.json()["id"]
    mail = await smtp_sink.wait_for(email)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = next(w for w in text.split() if "validate?" in w)
    code = parse_qs(urlsplit(link).query)["code"][0]
    verified = await public.post(
        f"/leads/{lead_id}/verify", headers={"Authorization": f"Bearer {code}"}
    )
    assert verified.status_code == 200, verified.text
    token: str = verified.json()["token"]
    onboarded = await public.post(
        f"/leads/{lead_id}/tenants",
        json={"key": "e" + uuid.uuid4().hex[:12], "domains": ["engines.example"], "tier": tier},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert onboarded.status_code == 201, onboarded.text
    tenant: dict[str, Any] = onboarded.json()
    return tenant, token


async def mails_to(
    smtp_sink: SmtpSink, recipient: str, count: int, timeout: float = 15
) -> list[Any]:
    """The first `count` e-mails to `recipient`, waiting up to `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = [m for m in smtp_sink.messages if recipient.lower() in m["To"].lower()]
        if len(found) >= count:
            return found[:count]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(found)} of {count} e-mails to {recipient} in {timeout}s")
        await asyncio.sleep(0.1)


async def provision(gateway: httpx.AsyncClient, tenant_id: str) -> str:
    response = await gateway.post(f"/tenants/{tenant_id}/provision")
    assert response.status_code == 202, response.text
    pipeline_id: str = response.json()["pipelineId"]
    return pipeline_id


async def settle(
    gateway: httpx.AsyncClient, tenant_id: str, *, want: set[str] | None = None, timeout: float = 40
) -> dict[str, Any]:
    """The tenant once its status is one of `want` (default: any resting status)."""
    wanted = want or TERMINAL
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        tenant: dict[str, Any] = (await gateway.get(f"/tenants/{tenant_id}")).json()
        if tenant["status"] in wanted:
            return tenant
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"tenant still {tenant['status']} after {timeout}s")
        await asyncio.sleep(0.1)


async def active_tenant(gateway: httpx.AsyncClient, tier: str = "pooled") -> dict[str, Any]:
    """A new tenant the running suite provisioned to ACTIVE, as it was onboarded."""
    tenant = await new_tenant(gateway, tier)
    await provision(gateway, tenant["id"])
    assert (await settle(gateway, tenant["id"]))["status"] == "ACTIVE"
    return tenant


async def pipeline_when(
    gateway: httpx.AsyncClient, tenant_id: str, step: str, status: str, timeout: float = 20
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pipeline: dict[str, Any] = (await gateway.get(f"/tenants/{tenant_id}/pipeline")).json()
        for s in pipeline.get("steps", []):
            if s["name"] == step and s["status"] == status:
                return pipeline
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{step} never {status}: {pipeline}")
        await asyncio.sleep(0.1)


class TenantData:
    """Looks into PostgreSQL where a tenant's resources live."""

    def __init__(self, infra: TestInfra, database_url: str) -> None:
        self.infra = infra
        self.database_url = database_url
        self.prefix = infra.env["TENANT_ROLE_PREFIX"]

    async def _val(self, dsn: str, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def schema(self, key: str) -> bool:
        sql = "SELECT 1 FROM pg_namespace WHERE nspname = $1"
        return bool(await self._val(self.infra.tenant_data_dsn, sql, self.prefix + key))

    async def role(self, key: str) -> bool:
        sql = "SELECT 1 FROM pg_roles WHERE rolname = $1"
        return bool(await self._val(self.infra.tenant_data_dsn, sql, self.prefix + key))

    async def pooled_row(self, tenant_id: str) -> bool:
        sql = "SELECT 1 FROM pooled.tenants WHERE tenant_id = $1"
        return bool(await self._val(self.infra.tenant_data_dsn, sql, uuid.UUID(tenant_id)))

    async def policy(self, key: str) -> bool:
        sql = "SELECT 1 FROM pg_policies WHERE schemaname = 'pooled' AND policyname = $1"
        return bool(await self._val(self.infra.tenant_data_dsn, sql, self.prefix + key))

    async def logs_in(self, tenant: dict[str, Any]) -> bool:
        """Whether the tenant's own role may log in to the tenant-data database, with the
        password its ledger row keeps sealed (under the stack's development TENANT_SECRETS_KEY)."""
        role = self.prefix + tenant["key"]
        sealed = await self._val(
            self.database_url.replace("+asyncpg", ""),
            "SELECT details->>'password' FROM provisioner.resources"
            " WHERE tenant_id = $1 AND kind = 'role' AND status = 'CREATED'",
            uuid.UUID(tenant["id"]),
        )
        password = SecretBox(DEV_SECRETS_KEY).open(sealed, bound_to=f"{tenant['id']}:{role}")
        try:
            conn = await asyncpg.connect(self.infra.tenant_data_dsn, user=role, password=password)
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            if "not permitted to log in" in str(exc):
                return False
            raise
        await conn.close()
        return True

    async def live_key_hashes(self, tenant_id: str) -> int:
        dsn = self.database_url.replace("+asyncpg", "")
        sql = (
            "SELECT count(*) FROM provisioner.api_keys WHERE tenant_id = $1 AND revoked_at IS NULL"
        )
        return int(await self._val(dsn, sql, uuid.UUID(tenant_id)))

    async def active_subscriptions(self, tenant_id: str) -> int:
        dsn = self.database_url.replace("+asyncpg", "")
        sql = (
            "SELECT count(*) FROM provisioner.subscriptions"
            " WHERE tenant_id = $1 AND status = 'ACTIVE'"
        )
        return int(await self._val(dsn, sql, uuid.UUID(tenant_id)))

    async def nothing_left(self, tenant: dict[str, Any]) -> None:
        key, tenant_id = tenant["key"], tenant["id"]
        assert not await self.schema(key)
        assert not await self.role(key)
        assert not await self.pooled_row(tenant_id)
        assert not await self.policy(key)
        assert await self.live_key_hashes(tenant_id) == 0
        assert await self.active_subscriptions(tenant_id) == 0


async def provisioner_run(database_url: str, tenant_id: str) -> WebhookRun | None:
    """The tenant's newest webhook run in the provisioner's database, its secret opened with
    the development WEBHOOK_RUN_KEYS the stack runs with."""
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        row = await conn.fetchrow(
            "SELECT pipeline_id, context, secret::text AS secret FROM provisioner.webhook_runs"
            " WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1",
            uuid.UUID(tenant_id),
        )
    finally:
        await conn.close()
    if row is None:
        return None
    keys = Keyring.parse(f"dev:{DEV_WEBHOOK_RUN_KEY}")
    secret = keys.open(
        Sealed.model_validate_json(row["secret"]), webhook_run_secret_binding(row["pipeline_id"])
    )
    return WebhookRun(secret=secret, context=row["context"], pipeline_id=row["pipeline_id"])


def redis_for(infra: TestInfra) -> Redis:
    """The run's Redis (its master now, when the infrastructure is behind Sentinel)."""
    return redis_client(infra.settings(ServiceSettings, service_name="e2e"))


async def set_fault(infra: TestInfra, key: str, value: str | None) -> None:
    redis = redis_for(infra)
    name = fault_key(infra.env["REDIS_KEY_PREFIX"], key)
    try:
        if value is None:
            await redis.delete(name)
        else:
            await redis.set(name, value, ex=600)
    finally:
        await close_redis(redis)


def token_for(infra: TestInfra, role: str) -> str:
    """A JWT for `role` signed the way the stack's gateway checks it (subject `e2e:<role>`)."""
    settings = infra.settings(TenantApiSettings)
    return mint_token(settings, role=role, sub=f"e2e:{role}", ttl=timedelta(minutes=30))


async def publish_to_queue(infra: TestInfra, queue: str, body: bytes) -> None:
    """Put bytes straight into one queue (the default exchange routes by queue name), confirmed."""
    import aio_pika

    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.default_exchange.publish(
            aio_pika.Message(body, content_type="application/json"),
            routing_key=queue,
            mandatory=True,
            timeout=5,
        )
