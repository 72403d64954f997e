"""lead-verifier under test: its app on this run's infrastructure, and a visitor of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import TestInfra, service_fixtures

from .leads import Visitor  # type: ignore[import-not-found]

SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="lead-verifier")


@pytest.fixture
def settings(infra: TestInfra) -> LeadVerifierSettings:
    return infra.settings(LeadVerifierSettings, lead_max_attempts=3)


@pytest.fixture
async def visitor(
    client: httpx.AsyncClient, event_tap: Callable[..., Any], settings: LeadVerifierSettings
) -> Visitor:
    """Signs up and verifies through the app, watching what it publishes on `lead.*`."""
    return Visitor(client, await event_tap("lead.*"), settings)
