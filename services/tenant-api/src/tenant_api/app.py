"""tenant-api: the gateway every client enters through."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import FastAPI

from service_kit.app import build_app
from service_kit.exports import open_store
from service_kit.retention import days
from service_kit.runtime import ServiceRuntime, Wiring
from tenant_api.adapters.autocommit_pool import AutocommitPool
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.api_keys import handover_repository as key_handovers
from tenant_api.api_keys import key_routes as api_keys
from tenant_api.api_keys import routes as api_key
from tenant_api.api_keys import verify_routes as key_checks
from tenant_api.api_keys.handover import handover_consumer
from tenant_api.api_keys.verification import KeyVerifier
from tenant_api.audit import routes as audit
from tenant_api.config import routes as config
from tenant_api.config.tenant_configs import TenantConfigs
from tenant_api.console import routes as console
from tenant_api.console import sign_in_routes as console_sign_in
from tenant_api.consumers import CONSUMERS
from tenant_api.contacts import routes as contacts
from tenant_api.database import routes as database
from tenant_api.database.handover import database_credentials_consumer
from tenant_api.dead_letters import routes as dead_letters
from tenant_api.dead_letters.collector import collect_dead_letters
from tenant_api.dead_letters.retention import retention as dead_letter_retention
from tenant_api.deps import TenantApiDeps
from tenant_api.exports import routes as exports
from tenant_api.idempotency import install_idempotency
from tenant_api.identity import client_routes as identity
from tenant_api.identity.client_handover import identity_client_consumer
from tenant_api.identity.tenant_clients import RegisteredTenantClients
from tenant_api.identity.token_verifier import TokenVerifier
from tenant_api.invoices import routes as invoices
from tenant_api.leads import routes as leads
from tenant_api.leads import staff_routes as lead_views
from tenant_api.leads.lead_verifier_client import LeadVerifierClient
from tenant_api.pipeline import routes as pipeline
from tenant_api.pipeline.metrics import watch_pipelines
from tenant_api.pipeline.sweeper import sweep_stale_pipelines
from tenant_api.plans import routes as plans
from tenant_api.runtime import Runtime
from tenant_api.security import install_security
from tenant_api.settings import TenantApiSettings
from tenant_api.tenants import lifecycle_routes as lifecycle
from tenant_api.tenants import routes as tenants
from tenant_api.tenants.offboarding import offboarding_consumer
from tenant_api.tenants.offboarding_due import start_due_offboardings
from tenant_api.timeline import routes as timeline
from tenant_api.timeline.maintenance import keep_timeline
from tenant_api.vault import routes as credentials
from tenant_api.vault.keys import VaultKeys
from tenant_api.web.errors import install_domain_errors
from tenant_api.web.limits import document_limits


async def assemble(runtime: Runtime) -> Wiring[TenantApiDeps, TenantApiUnitOfWork]:
    settings = runtime.settings
    hot = AutocommitPool(settings)
    await hot.open()
    token_verifier = TokenVerifier.from_settings(settings)
    if settings.oidc_issuer is not None:
        # A provider token issued to a tenant's own client is that tenant's.
        token_verifier.tenant_clients = RegisteredTenantClients(hot, settings.oidc_issuer)
    deps = TenantApiDeps(
        lead_verifier=LeadVerifierClient(
            settings.lead_verifier_url, settings.upstream_timeout, settings.internal_api_token
        ),
        token_verifier=token_verifier,
        vault_keys=VaultKeys(settings),
        configs=TenantConfigs(settings, runtime.redis, runtime.uow, hot),
        exports=open_store(settings),
        key_verifier=KeyVerifier(hot, timedelta(seconds=settings.api_key_last_used_resolution)),
    )
    return Wiring(
        deps=deps,
        consumers=[
            *CONSUMERS,
            handover_consumer(settings.handover_keyring()),
            database_credentials_consumer(settings.handover_keyring(), deps.vault_keys),
            identity_client_consumer(settings.handover_keyring(), deps.vault_keys),
            offboarding_consumer(deps.exports),
        ],
        background={
            "sweeper": partial(sweep_stale_pipelines, runtime),
            "offboarding-due": partial(start_due_offboardings, runtime),
            "pipelines-gauge": partial(watch_pipelines, runtime),
            "dead-letters": partial(collect_dead_letters, runtime),
            "timeline-partitions": partial(keep_timeline, runtime),
        },
        readiness={"vault": partial(deps.vault_keys.readiness, runtime.uow)},
        retention=[
            dead_letter_retention(days(settings.dead_letter_retention_days)),
            key_handovers.retention(),
        ],
        close=[
            deps.lead_verifier.aclose,
            deps.token_verifier.aclose,
            hot.close,
        ],
    )


def create_app(settings: TenantApiSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, assemble, unit_of_work=TenantApiUnitOfWork, uses_redis=True)
    app = build_app(
        runtime,
        title="Control plane gateway (tenant-api)",
        description="Sign-up, onboarding and tenant management. Errors are RFC 9457 problems.",
        routers=[
            leads.public,
            leads.router,
            lead_views.router,
            plans.router,
            tenants.router,
            lifecycle.router,
            pipeline.router,
            timeline.router,
            invoices.router,
            contacts.router,
            config.router,
            api_key.router,
            api_keys.router,
            key_checks.router,
            credentials.router,
            database.router,
            identity.router,
            exports.router,
            dead_letters.router,
            audit.router,
            console.router,
            console_sign_in.router,
        ],
    )
    install_domain_errors(app)
    install_security(app, settings)
    document_limits(app)
    install_idempotency(app, settings)
    return app
