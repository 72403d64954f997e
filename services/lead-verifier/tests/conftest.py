from __future__ import annotations

from pathlib import Path

import pytest

from lead_verifier.app import create_app
from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import TestInfra, service_fixtures

SERVICE_DIR = Path(__file__).resolve().parents[1]
migrated, app, client = service_fixtures(SERVICE_DIR, create_app, host="lead-verifier")


@pytest.fixture
def settings(infra: TestInfra) -> LeadVerifierSettings:
    return infra.settings(LeadVerifierSettings, lead_max_attempts=3)
