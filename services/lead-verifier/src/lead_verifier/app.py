"""lead-verifier: sign-up and e-mail verification."""

from __future__ import annotations

from fastapi import FastAPI

from lead_verifier.api.routes import router
from lead_verifier.settings import LeadVerifierSettings
from service_kit.app import build_app
from service_kit.db import UnitOfWork
from service_kit.runtime import ServiceRuntime, Wiring

Runtime = ServiceRuntime[LeadVerifierSettings, None, UnitOfWork]


async def assemble(runtime: Runtime) -> Wiring[None, UnitOfWork]:
    return Wiring(deps=None)


def create_app(settings: LeadVerifierSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, assemble, unit_of_work=UnitOfWork)
    return build_app(
        runtime,
        title="lead-verifier",
        description="Lead sign-up and e-mail verification (internal; reached via the gateway).",
        routers=[router],
    )
