"""provisioner: runs the provisioning saga's steps for a tenant (internal; health and metrics)."""

from __future__ import annotations

from fastapi import FastAPI

from provisioner.adapters import webhook_runs
from provisioner.adapters.drivers import make_driver
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.local_driver import LocalDriver
from provisioner.adapters.secrets_box import SecretBox
from provisioner.adapters.tenant_data import TenantData
from provisioner.consumers import build_consumers
from provisioner.deps import Deps
from provisioner.engine import Engine
from provisioner.settings import ProvisionerSettings
from service_kit.app import build_app
from service_kit.runtime import ServiceRuntime


def create_app(settings: ProvisionerSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, uses_redis=True, retention=[webhook_runs.retention()])
    tenant_data = TenantData(settings.tenant_data_dsn)
    driver = make_driver(settings)
    holder: dict[str, Deps] = {}

    async def start_extras() -> None:
        # Runs inside runtime.start(), after the engine and Redis exist, before consumers start.
        assert runtime.sessions is not None
        assert runtime.redis is not None
        await tenant_data.start()
        deps = Deps(
            settings=settings,
            tenant_data=tenant_data,
            ledger=Ledger(runtime.sessions),
            redis=runtime.redis,
            driver=driver,
            box=SecretBox(settings.tenant_secrets_key.get_secret_value()),
        )
        holder["deps"] = deps
        runtime.consumers.extend(build_consumers(deps))
        runtime.background.append(Engine(runtime, deps).run_job)
        if isinstance(driver, LocalDriver):
            runtime.background.append(driver.run_job)

    runtime.on_start.append(start_extras)
    runtime.on_stop.extend([driver.close, tenant_data.close])
    app = build_app(
        runtime,
        title="provisioner",
        description="Runs the provisioning saga's steps for a tenant (internal).",
    )
    app.state.deps = holder
    return app
