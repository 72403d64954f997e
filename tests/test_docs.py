"""The README documents every setting the code reads (and nothing it does not)."""

from __future__ import annotations

import re
from pathlib import Path

from lead_verifier.settings import LeadVerifierSettings
from notifier.settings import NotifierSettings
from provisioner.settings import ProvisionerSettings
from service_kit.metrics import METRICS_DIR_ENV
from tenant_api.settings import TenantApiSettings
from webhook_receiver.settings import WebhookReceiverSettings

ROOT = Path(__file__).resolve().parents[1]
NOT_FOR_USERS = {"SERVICE_NAME"}  # fixed per service, not a knob
CLI_AND_TEST_VARIABLES = {
    "GATEWAY_URL",
    "HA_DIR",
    "HA_PORT_BASE",
    "HA_WIPE",
    "TENANTCTL_TOKEN",
    "TEST_DATABASE_URL",
    "TEST_RABBITMQ_URL",
    "TEST_REDIS_URL",
}
# Read from the environment by the kit itself (`serve`, `metrics`), and by prometheus_client.
READ_BY_SERVE = {METRICS_DIR_ENV}


def documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_readme_configuration_table_matches_the_settings() -> None:
    classes = (
        TenantApiSettings,
        LeadVerifierSettings,
        ProvisionerSettings,
        WebhookReceiverSettings,
        NotifierSettings,
    )
    read_by_code = {name.upper() for cls in classes for name in cls.model_fields} - NOT_FOR_USERS
    documented = documented_variables() - CLI_AND_TEST_VARIABLES - READ_BY_SERVE
    assert read_by_code - documented == set(), "settings missing from the README table"
    assert documented - read_by_code == set(), "README documents settings the code does not read"
