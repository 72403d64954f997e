from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import TestInfra, asgi_client, migrate_service, started

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
async def migrated(infra: TestInfra) -> None:
    await migrate_service(SERVICE_DIR, infra)


@pytest.fixture
def settings(infra: TestInfra) -> LeadVerifierSettings:
    return infra.settings(LeadVerifierSettings, lead_max_attempts=3)


@pytest.fixture
async def app(settings: LeadVerifierSettings, migrated: None) -> AsyncIterator[FastAPI]:
    async with started(create_app(settings)) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "lead-verifier") as c:
        yield c
