from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit.migrations import upgrade
from service_kit.testing import TestInfra

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
async def migrated(infra: TestInfra) -> None:
    await asyncio.to_thread(upgrade, SERVICE_DIR, infra.database_url)


@pytest.fixture
def settings(infra: TestInfra) -> LeadVerifierSettings:
    return infra.settings(LeadVerifierSettings, lead_max_attempts=3)


@pytest.fixture
async def app(settings: LeadVerifierSettings, migrated: None) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lead-verifier") as c:
        yield c
