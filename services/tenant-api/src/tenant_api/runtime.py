"""tenant-api's runtime, typed: importable by app.py, jobs and routes without a cycle."""

from __future__ import annotations

from service_kit.runtime import ServiceRuntime
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.deps import TenantApiDeps
from tenant_api.settings import TenantApiSettings

Runtime = ServiceRuntime[TenantApiSettings, TenantApiDeps, TenantApiUnitOfWork]
