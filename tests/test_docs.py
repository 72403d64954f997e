"""The README documents every setting the code reads (and nothing it does not)."""

from __future__ import annotations

import re
from pathlib import Path

from lead_verifier.settings import LeadVerifierSettings
from notifier.settings import NotifierSettings
from provisioner.settings import ProvisionerSettings
from service_kit.metrics import METRICS_DIR_ENV
from service_kit.secret_files import secret_variables
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


SETTINGS_CLASSES = (
    TenantApiSettings,
    LeadVerifierSettings,
    ProvisionerSettings,
    WebhookReceiverSettings,
    NotifierSettings,
)
SECRET_MARK = "· **secret** |"


def configuration_rows() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| `")]


def first_cell_names(rows: list[str]) -> set[str]:
    cells = [row.split("|")[1] for row in rows]
    return {name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def documented_variables() -> set[str]:
    return first_cell_names(configuration_rows())


def test_readme_configuration_table_matches_the_settings() -> None:
    read_by_code = {
        name.upper() for cls in SETTINGS_CLASSES for name in cls.model_fields
    } - NOT_FOR_USERS
    documented = documented_variables() - CLI_AND_TEST_VARIABLES - READ_BY_SERVE
    assert read_by_code - documented == set(), "settings missing from the README table"
    assert documented - read_by_code == set(), "README documents settings the code does not read"


def test_readme_marks_exactly_the_settings_that_may_be_given_as_files() -> None:
    marked = first_cell_names([row for row in configuration_rows() if row.endswith(SECRET_MARK)])
    secrets = {name for cls in SETTINGS_CLASSES for name in secret_variables(cls)}
    assert marked == secrets
