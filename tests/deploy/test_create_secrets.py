"""deploy/k8s/create-secrets.sh: the Secrets it makes fit together and the services accept them.

Run with --dry-run (no cluster): the script prints the Secrets as YAML, which is what it would
create. The engines' credentials and the services' URLs must carry the same passwords, and the
services' own settings classes must accept the result in production.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

from lead_verifier.settings import LeadVerifierSettings
from notifier.settings import NotifierSettings
from provisioner.settings import ProvisionerSettings
from tenant_api.settings import TenantApiSettings
from webhook_receiver.settings import WebhookReceiverSettings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "k8s" / "create-secrets.sh"
CONFIGMAP = ROOT / "deploy" / "k8s" / "base" / "configmap.yaml"

SERVICES = ["tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier"]
# What the services read from `controlplane-secrets` (docs/deploy.md#create-the-secrets): each
# its own database URLs, the rest shared.
DATABASE_KEYS = {f"{s}.{key}" for s in SERVICES for key in ("DATABASE_URL", "DATABASE_DIRECT_URL")}
SERVICE_KEYS = DATABASE_KEYS | {
    "TENANT_DATA_DSN",
    "RABBITMQ_URLS",
    "REDIS_URL",
    "REDIS_SENTINEL_PASSWORD",
    "JWT_SECRET",
    "INTERNAL_API_TOKEN",
    "METRICS_TOKEN",
    "VAULT_MASTER_KEYS",
    "VERIFICATION_LINK_KEYS",
    "WEBHOOK_RUN_KEYS",
    "API_KEY_HANDOVER_KEYS",
    "TENANT_SECRETS_KEY",
}
SETTINGS_CLASSES: dict[str, type[BaseSettings]] = {
    "tenant-api": TenantApiSettings,
    "lead-verifier": LeadVerifierSettings,
    "provisioner": ProvisionerSettings,
    "webhook-receiver": WebhookReceiverSettings,
    "notifier": NotifierSettings,
}

Secrets = dict[str, dict[str, str]]


def dry_run(*args: str, **extra_env: str) -> tuple[Secrets, str]:
    # Only what the script needs: no kubeconfig, no cloud keys from the caller's environment.
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent", "KUBECONFIG": "/nonexistent"}
    done = subprocess.run(
        [str(SCRIPT), "--dry-run", *args],
        env=env | extra_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    secrets: Secrets = {}
    for doc in yaml.safe_load_all(done.stdout):
        if doc is None:
            continue
        assert doc["kind"] == "Secret"
        assert doc["metadata"]["namespace"] == "controlplane"
        values = {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}
        secrets[doc["metadata"]["name"]] = values
    return secrets, done.stderr


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    return dry_run()[0]


def url(value: str) -> SplitResult:
    return urlsplit(value)


def test_makes_the_engines_secrets_and_the_services_one(secrets: Secrets) -> None:
    assert set(secrets) == {
        "postgres-controlplane",
        "postgres-tenant-admin",
        "rabbitmq-controlplane",
        "redis-credentials",
        "controlplane-secrets",
    } | {f"postgres-{service}" for service in SERVICES}
    assert set(secrets["controlplane-secrets"]) == SERVICE_KEYS
    assert all(value for value in secrets["controlplane-secrets"].values())


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_logs_in_as_its_own_role_named_like_its_schema(
    secrets: Secrets, service: str
) -> None:
    role = secrets[f"postgres-{service}"]  # the managed role's passwordSecret (postgres.yaml)
    assert role["username"] == service.replace("-", "_")
    assert role["username"] == SETTINGS_CLASSES[service].model_fields["db_schema"].default
    urls = secrets["controlplane-secrets"]
    pooled = url(urls[f"{service}.DATABASE_URL"])
    direct = url(urls[f"{service}.DATABASE_DIRECT_URL"])
    for dsn in (pooled, direct):
        assert (dsn.username, dsn.password) == (role["username"], role["password"])
        assert dsn.path == "/controlplane"
    assert (pooled.hostname, direct.hostname) == ("postgres-pooler-rw", "postgres-rw")


def test_the_roles_passwords_differ(secrets: Secrets) -> None:
    passwords = [secrets[f"postgres-{s}"]["password"] for s in [*SERVICES, "controlplane"]]
    assert len(set(passwords)) == len(passwords)


def test_tenant_data_dsn_is_the_managed_role(secrets: Secrets) -> None:
    role = secrets["postgres-tenant-admin"]
    dsn = url(secrets["controlplane-secrets"]["TENANT_DATA_DSN"])
    assert (dsn.username, dsn.password) == ("tenant_admin", role["password"])
    assert role["username"] == "tenant_admin"
    assert (dsn.hostname, dsn.path) == ("postgres-rw", "/tenant_data")


def test_every_broker_node_url_carries_the_imported_user(secrets: Secrets) -> None:
    user = secrets["rabbitmq-controlplane"]
    nodes = [url(u) for u in secrets["controlplane-secrets"]["RABBITMQ_URLS"].split(",")]
    assert [n.hostname for n in nodes] == [f"rabbitmq-server-{i}.rabbitmq-nodes" for i in range(3)]
    for node in nodes:
        assert (node.username, node.password) == (user["username"], user["password"])
        assert node.path == "/controlplane"


def test_one_broker_url_for_a_one_node_cluster() -> None:
    urls = dry_run("--rabbitmq-nodes", "1")[0]["controlplane-secrets"]["RABBITMQ_URLS"]
    assert [url(u).hostname for u in urls.split(",")] == ["rabbitmq-server-0.rabbitmq-nodes"]


def test_redis_passwords_match_the_nodes_and_the_sentinels(secrets: Secrets) -> None:
    redis = secrets["redis-credentials"]
    services = secrets["controlplane-secrets"]
    assert url(services["REDIS_URL"]).password == redis["password"]
    assert services["REDIS_SENTINEL_PASSWORD"] == redis["sentinel-password"]
    assert redis["password"] != redis["sentinel-password"]


def test_every_run_draws_new_values(secrets: Secrets) -> None:
    again = dry_run()[0]["controlplane-secrets"]
    assert all(again[key] != value for key, value in secrets["controlplane-secrets"].items())


def test_backup_keys_only_when_given() -> None:
    without, said = dry_run()
    assert "postgres-backup-s3" not in without
    assert "postgres-backup-s3 not created" in said
    given = dry_run(BACKUP_S3_ACCESS_KEY_ID="id", BACKUP_S3_SECRET_ACCESS_KEY="key")[0]
    assert given["postgres-backup-s3"] == {"ACCESS_KEY_ID": "id", "ACCESS_SECRET_KEY": "key"}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_accepts_them_in_production(secrets: Secrets, service: str) -> None:
    settings_class = SETTINGS_CLASSES[service]
    configmap: dict[str, Any] = yaml.safe_load(CONFIGMAP.read_text())["data"]
    own = {
        key.removeprefix(f"{service}."): value
        for key, value in secrets["controlplane-secrets"].items()
        if key.startswith(f"{service}.") or key not in DATABASE_KEYS
    }
    values = configmap | own
    assert values["ENVIRONMENT"] == "production"  # which refuses every development key
    fields = {k.lower(): v for k, v in values.items() if k.lower() in settings_class.model_fields}
    settings = settings_class(**fields)
    for keyring in ("link_keyring", "run_keyring", "handover_keyring"):
        if hasattr(settings, keyring):
            assert getattr(settings, keyring)().current == "k1"
