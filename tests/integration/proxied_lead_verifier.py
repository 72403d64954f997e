"""lead-verifier behind a real uvicorn server, reaching PostgreSQL through a `TcpProxy` that a
test can silence: what the gateway's tests put behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from lead_verifier.app import create_app as lead_verifier_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import TcpProxy, TestInfra, migrate_service, served, tcp_proxy

SERVICES = Path(__file__).resolve().parents[2] / "services"


@dataclass(frozen=True)
class ProxiedLeadVerifier:
    url: str
    database: TcpProxy  # between lead-verifier and PostgreSQL


@asynccontextmanager
async def proxied_lead_verifier(infra: TestInfra) -> AsyncIterator[ProxiedLeadVerifier]:
    await migrate_service(SERVICES / "lead-verifier", infra)
    url = make_url(infra.database_url)
    async with AsyncExitStack() as stack:
        proxy = await stack.enter_async_context(
            tcp_proxy(url.host or "127.0.0.1", url.port or 5432)
        )
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        verifier = infra.settings(LeadVerifierSettings, database_url=proxied)
        yield ProxiedLeadVerifier(
            await stack.enter_async_context(served(lead_verifier_app(verifier))), proxy
        )
