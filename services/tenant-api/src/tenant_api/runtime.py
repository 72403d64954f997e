from service_kit.runtime import ServiceRuntime
from tenant_api.deps import TenantApiDeps
from tenant_api.settings import TenantApiSettings
from tenant_api.uow import TenantApiUnitOfWork

Runtime = ServiceRuntime[TenantApiSettings, TenantApiDeps, TenantApiUnitOfWork]
