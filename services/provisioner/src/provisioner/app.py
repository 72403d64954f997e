"""provisioner: runs the provisioning saga's steps for a tenant (internal; health and metrics)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from provisioner.adapters import webhook_runs
from provisioner.adapters.drivers import make_driver
from provisioner.adapters.identity_provider import make_identity_driver
from provisioner.adapters.ledger import Ledger
from provisioner.adapters.local_driver import LocalDriver
from provisioner.adapters.secrets_box import SecretBox
from provisioner.adapters.tenant_data import TenantData
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.consumers import build_consumers
from provisioner.deps import ProvisionerDeps
from provisioner.engine import Engine
from provisioner.settings import ProvisionerSettings
from service_kit.app import build_app
from service_kit.exports import open_store
from service_kit.runtime import BackgroundJob, ServiceRuntime, Wiring

Runtime = ServiceRuntime[ProvisionerSettings, ProvisionerDeps, ProvisionerUnitOfWork]


async def assemble(runtime: Runtime) -> Wiring[ProvisionerDeps, ProvisionerUnitOfWork]:
    settings = runtime.settings
    tenant_data = TenantData(settings.tenant_data_dsn)
    driver = make_driver(settings)
    identity = make_identity_driver(settings)
    await tenant_data.start()
    deps = ProvisionerDeps(
        settings=settings,
        tenant_data=tenant_data,
        ledger=Ledger(runtime.sessions),
        redis=runtime.redis,
        driver=driver,
        box=SecretBox(settings.tenant_secrets_key.get_secret_value()),
        exports=open_store(settings),
        identity=identity,
    )
    background: dict[str, BackgroundJob] = {"engine": Engine(runtime.uow, deps).run_job}
    if isinstance(driver, LocalDriver):
        background["local-driver"] = partial(driver.run_job, runtime.sessions)
    return Wiring(
        deps=deps,
        consumers=build_consumers(deps),
        background=background,
        retention=[webhook_runs.retention()],
        close=[tenant_data.close, driver.close, identity.close],
    )


def create_app(settings: ProvisionerSettings) -> FastAPI:
    runtime = ServiceRuntime(
        settings, assemble, unit_of_work=ProvisionerUnitOfWork, uses_redis=True
    )
    return build_app(
        runtime,
        title="provisioner",
        description="Runs the provisioning saga's steps for a tenant (internal).",
    )
