"""lead-verifier: sign-up and e-mail verification."""

from __future__ import annotations

from fastapi import FastAPI

from lead_verifier.adapters.unit_of_work import LeadsUnitOfWork
from lead_verifier.api import lead_views
from lead_verifier.api.errors import install_domain_errors
from lead_verifier.api.routes import router
from lead_verifier.deps import LeadVerifierDeps, Runtime
from lead_verifier.settings import LeadVerifierSettings
from service_kit.app import build_app
from service_kit.runtime import ServiceRuntime, Wiring


async def assemble(runtime: Runtime) -> Wiring[LeadVerifierDeps, LeadsUnitOfWork]:
    settings = runtime.settings
    return Wiring(deps=LeadVerifierDeps(settings=settings, links=settings.link_keyring()))


def create_app(settings: LeadVerifierSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, assemble, unit_of_work=LeadsUnitOfWork)
    app = build_app(
        runtime,
        title="lead-verifier",
        description="Lead sign-up and e-mail verification, and operators' views of the leads "
        "(internal; reached via the gateway).",
        routers=[router, lead_views.router],
    )
    install_domain_errors(app)
    return app
