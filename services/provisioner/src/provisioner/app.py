"""provisioner: runs the provisioning saga's steps for a tenant (internal; health and metrics)."""

from __future__ import annotations

from fastapi import FastAPI

from provisioner.settings import ProvisionerSettings
from service_kit.app import build_app
from service_kit.runtime import ServiceRuntime


def create_app(settings: ProvisionerSettings) -> FastAPI:
    runtime = ServiceRuntime(settings, uses_redis=True)
    return build_app(
        runtime,
        title="provisioner",
        description="Runs the provisioning saga's steps for a tenant (internal).",
    )
