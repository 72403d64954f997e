"""Rate limits in Redis: exact, reset after the window, shared between gateway processes, and
what happens without Redis (public routes and writes closed, reads and key checks open)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra, delete_exchange, free_port
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from ..gateway import NO_LEAD_VERIFIER, bearer, gateway_settings  # type: ignore[import-not-found]

SIGN_UP = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "companyName": "Analytical Engines",
    "email": "ada@engines.example",
}
PROBLEM = "application/problem+json"
STARTUP_SECONDS = 90


def limited(infra: TestInfra, **overrides: Any) -> TenantApiSettings:
    """Settings with small limits and Redis keys of their own (no other test shares them)."""
    values: dict[str, Any] = {
        "redis_key_prefix": f"cp-test-rl-{uuid.uuid4().hex[:8]}:",
        "public_api_max_attempts": 3,
        "public_api_window_seconds": 2,
        "auth_api_max_requests": 3,
        "auth_api_window_seconds": 2,
        **overrides,
    }
    settings: TenantApiSettings = gateway_settings(infra, **values)
    return settings


@asynccontextmanager
async def gateway(
    settings: TenantApiSettings, peer: tuple[str, int] = ("127.0.0.1", 40000)
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


def token_for(settings: TenantApiSettings, role: str = "admin", sub: str | None = None) -> str:
    sub = sub or f"test:{uuid.uuid4().hex[:8]}"
    return mint_token(settings, role=role, sub=sub, ttl=timedelta(minutes=5))


def assert_limited(response: httpx.Response, window: float) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/rate-limited")
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= window


async def test_public_routes_trip_at_exactly_the_limit_and_reset_after_the_window(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra)
    async with gateway(settings) as client:
        lead = uuid.uuid4()
        answers = [
            await client.post("/leads", json=SIGN_UP),
            await client.post(f"/leads/{lead}/verify", headers=bearer("123456")),
            await client.post("/leads", json=SIGN_UP),
        ]
        assert [r.status_code for r in answers] == [503, 503, 503]  # through, to the upstream
        limited_answer = await client.post("/leads", json=SIGN_UP)
        assert_limited(limited_answer, settings.public_api_window_seconds)
        assert_limited(
            await client.post(f"/leads/{lead}/verify", headers=bearer("123456")),
            settings.public_api_window_seconds,
        )

        await asyncio.sleep(int(limited_answer.headers["retry-after"]) + 0.1)
        assert (await client.post("/leads", json=SIGN_UP)).status_code == 503


async def test_public_limits_are_per_client_ip(infra: TestInfra, migrated: None) -> None:
    settings = limited(infra, public_api_max_attempts=1, public_api_window_seconds=30)
    async with gateway(settings, peer=("192.0.2.1", 5000)) as first:
        assert (await first.post("/leads", json=SIGN_UP)).status_code == 503
        assert (await first.post("/leads", json=SIGN_UP)).status_code == 429
    async with gateway(settings, peer=("192.0.2.2", 5000)) as second:
        assert (await second.post("/leads", json=SIGN_UP)).status_code == 503


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(
        infra,
        public_api_max_attempts=1,
        public_api_window_seconds=30,
        trusted_proxies="10.0.0.1",
    )
    async with gateway(settings, peer=("10.0.0.1", 5000)) as via_proxy:
        for client_ip in ("198.51.100.1", "198.51.100.2"):
            xff = {"X-Forwarded-For": f"203.0.113.9, {client_ip}"}  # the left part is forgeable
            assert (await via_proxy.post("/leads", json=SIGN_UP, headers=xff)).status_code == 503
            assert (await via_proxy.post("/leads", json=SIGN_UP, headers=xff)).status_code == 429
    async with gateway(settings, peer=("192.0.2.50", 5000)) as direct:
        spoofed = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in (10, 11)]
        assert (await direct.post("/leads", json=SIGN_UP, headers=spoofed[0])).status_code == 503
        assert (await direct.post("/leads", json=SIGN_UP, headers=spoofed[1])).status_code == 429


async def test_key_checks_have_a_window_of_their_own_per_client_ip(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra, api_key_verify_max_requests=2, api_key_verify_window_seconds=30)
    check = {"apiKey": "cpk_abcdefghijkl_" + "a" * 43}
    async with gateway(settings, peer=("192.0.2.7", 5000)) as first:
        for _ in range(2):
            answer = await first.post("/api-keys/verify", json=check)
            assert answer.json() == {"active": False, "reason": "unknown"}
        assert_limited(await first.post("/api-keys/verify", json=check), 30)
        # Sign-up's window is another one.
        assert (await first.post("/leads", json=SIGN_UP)).status_code == 503
    async with gateway(settings, peer=("192.0.2.8", 5000)) as second:
        assert (await second.post("/api-keys/verify", json=check)).status_code == 200


async def test_authenticated_routes_are_limited_per_subject(
    infra: TestInfra, migrated: None
) -> None:
    settings = limited(infra)
    mine, theirs = token_for(settings), token_for(settings, role="operator")
    async with gateway(settings) as client:
        for _ in range(3):
            assert (await client.get("/plans", headers=bearer(mine))).status_code == 200
        answer = await client.get("/plans", headers=bearer(mine))
        assert_limited(answer, settings.auth_api_window_seconds)
        assert answer.headers["cache-control"] == "no-store"
        # A write counts against the same subject; another subject is untouched.
        assert_limited(
            await client.post("/tenants", json={}, headers=bearer(mine)),
            settings.auth_api_window_seconds,
        )
        assert (await client.get("/plans", headers=bearer(theirs))).status_code == 200

        await asyncio.sleep(int(answer.headers["retry-after"]) + 0.1)
        assert (await client.get("/plans", headers=bearer(mine))).status_code == 200


# --- without Redis ---------------------------------------------------------------------------


def closed_port() -> int:
    """A port free now: nothing listens there."""
    return free_port()


async def test_without_redis_public_routes_and_writes_fail_closed_reads_and_key_checks_go_on(
    infra: TestInfra, migrated: None, new_tenant: Callable[..., Awaitable[dict[str, Any]]]
) -> None:
    tenant = await new_tenant()  # through the healthy gateway of the conftest
    settings = limited(infra, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    admin = bearer(token_for(settings))
    async with gateway(settings) as client:
        sign_up = await client.post("/leads", json=SIGN_UP)
        assert sign_up.status_code == 503
        assert sign_up.headers["content-type"] == PROBLEM
        assert sign_up.json()["type"].endswith("/unavailable")
        assert "limits" in sign_up.json()["detail"]
        assert sign_up.headers["retry-after"].isdigit()

        # Key checks go on: their limit only bounds load (and their answer needs no Redis).
        for _ in range(5):
            checked = await client.post("/api-keys/verify", json={"apiKey": "cpk_nothing"})
            assert checked.json() == {"active": False, "reason": "unknown"}

        # Reads are not refused for want of a counter (and are not counted).
        for _ in range(5):
            found = await client.get(f"/tenants/{tenant['id']}", headers=admin)
            assert found.status_code == 200, found.text
        assert (await client.get(f"/tenants/{uuid.uuid4()}", headers=admin)).status_code == 404

        write = await client.post(f"/tenants/{tenant['id']}/suspend", headers=admin)
        assert write.status_code == 503
        assert write.json()["type"].endswith("/unavailable")


# --- shared between processes ----------------------------------------------------------------


@contextmanager
def gateway_processes(env: dict[str, str], count: int, logs: Path) -> Iterator[list[str]]:
    """`python -m tenant_api` `count` times, each on its own port; their base URLs."""
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for n in range(count):
            port = free_port()
            with (logs / f"gateway-{n}.log").open("wb") as log:  # the child keeps its own copy
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "tenant_api"],
                        env={**env, "PORT": str(port)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(url, process, logs)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS  # a cold interpreter imports a lot
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gateway exited with {process.returncode}:\n{_logs(logs)}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gateway at {url} did not come up:\n{_logs(logs)}")


def _logs(logs: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(logs.glob("*.log")))


@pytest.fixture
def two_gateways(infra: TestInfra, migrated: None, tmp_path: Path) -> Iterator[list[str]]:
    run = uuid.uuid4().hex[:8]
    exchange = f"cp-test-{infra.run_id}.rl-{run}.events"
    env = {
        **os.environ,
        **infra.env,
        # Their own exchange and queues: they must not take events from the in-process apps.
        "EVENTS_EXCHANGE": exchange,
        "QUEUE_PREFIX": f"cp-test-{infra.run_id}.rl-{run}.",
        "REDIS_KEY_PREFIX": f"cp-test-rl-{run}:",
        "LEAD_VERIFIER_URL": NO_LEAD_VERIFIER,
        "PUBLIC_API_MAX_ATTEMPTS": "4",
        "PUBLIC_API_WINDOW_SECONDS": "30",
        "AUTH_API_MAX_REQUESTS": "4",
        "AUTH_API_WINDOW_SECONDS": "30",
        "API_KEY_VERIFY_MAX_REQUESTS": "4",
        "API_KEY_VERIFY_WINDOW_SECONDS": "30",
        "LOG_LEVEL": "WARNING",
    }
    try:
        with gateway_processes(env, 2, tmp_path) as urls:
            yield urls
    finally:
        asyncio.run(delete_exchange(infra.rabbitmq_url, exchange))  # the queues expire


async def test_limits_are_shared_by_two_gateway_processes(
    two_gateways: list[str], infra: TestInfra
) -> None:
    a, b = two_gateways
    settings = infra.settings(TenantApiSettings)
    token = bearer(token_for(settings))
    async with httpx.AsyncClient(timeout=10) as http:
        public = [(await http.post(url + "/leads", json=SIGN_UP)).status_code for url in (a, b) * 3]
        assert public == [503, 503, 503, 503, 429, 429]  # 4 in all, whichever process answered
        reads = [(await http.get(url + "/plans", headers=token)).status_code for url in (a, b) * 3]
        assert reads == [200, 200, 200, 200, 429, 429]
        # Key checks: limited per client address, as the socket gives it, across processes.
        check = {"apiKey": "cpk_abcdefghijkl_" + "a" * 43}
        checks = [(await http.post(url + "/api-keys/verify", json=check)) for url in (a, b) * 3]
        assert [c.status_code for c in checks] == [200, 200, 200, 200, 429, 429]
        assert checks[0].json() == {"active": False, "reason": "unknown"}
