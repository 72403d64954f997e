"""Each rendered pod would start: its container's environment (the ConfigMap, its own `env`,
and the `<NAME>_FILE` paths into the mounted Secret, filled from `create-secrets.sh --dry-run`)
is accepted by the service's own settings class, production checks included."""

from __future__ import annotations

import base64
import importlib
import os
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

from deploy.checks.render import Manifest, render
from deploy.checks.tools import ROOT

SETTINGS = {
    "tenant-api": "tenant_api.settings:TenantApiSettings",
    "lead-verifier": "lead_verifier.settings:LeadVerifierSettings",
    "provisioner": "provisioner.settings:ProvisionerSettings",
    "webhook-receiver": "webhook_receiver.settings:WebhookReceiverSettings",
    "notifier": "notifier.settings:NotifierSettings",
}
OVERLAYS = ["dev", "prod"]


@cache
def secrets() -> dict[str, dict[str, str]]:
    """Every Secret the script would create, by name: key -> value."""
    done = subprocess.run(
        ["bash", str(ROOT / "deploy" / "k8s" / "create-secrets.sh"), "--dry-run"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = {}
    for doc in yaml.safe_load_all(done.stdout):
        if doc and doc.get("kind") == "Secret":
            values = {k: base64.b64decode(v).decode() for k, v in (doc.get("data") or {}).items()}
            values.update(doc.get("stringData") or {})
            found[doc["metadata"]["name"]] = values
    return found


@cache
def objects(overlay: str) -> list[Manifest]:
    return render(ROOT / "deploy" / "k8s" / "overlays" / overlay).objects


def pods(overlay: str) -> Iterator[tuple[str, Manifest, Manifest]]:
    """(service, pod template, container) for every container of the Deployments and the
    migration Jobs, init containers included: each loads the service's settings."""
    for manifest in objects(overlay):
        if manifest["kind"] not in ("Deployment", "Job"):
            continue
        service = manifest["metadata"]["name"].removesuffix("-migrate")
        template = manifest["spec"]["template"]
        spec = template["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield service, template, container


def environment(
    overlay: str, template: Manifest, container: Manifest, files: Path
) -> dict[str, str]:
    """The variables the container would see; Secret files are written under `files`."""
    config_maps = {
        m["metadata"]["name"]: m.get("data", {})
        for m in objects(overlay)
        if m["kind"] == "ConfigMap"
    }
    mounts = _secret_mounts(template["spec"], container)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "secretRef" not in source, "secrets are mounted as files, not put in the environment"
        env.update(config_maps[source["configMapRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = str(variable["value"])
            continue
        reference = variable["valueFrom"]
        assert "secretKeyRef" not in reference, variable["name"]
        if "fieldRef" in reference:
            env[variable["name"]] = _field(template, reference["fieldRef"]["fieldPath"])
        else:
            key = reference["configMapKeyRef"]
            env[variable["name"]] = config_maps[key["name"]][key["key"]]
    for name, value in list(env.items()):
        if name.endswith("_FILE"):
            env[name] = str(_materialise(value, mounts, files))
    return env


def _field(template: Manifest, path: str) -> str:
    """The downward API's `metadata.labels['<label>']`, the one form the manifests use."""
    label = re.fullmatch(r"metadata\.labels\['([^']+)'\]", path)
    assert label, f"unexpected fieldRef {path}"
    return str(template["metadata"]["labels"][label.group(1)])


def _secret_mounts(spec: Manifest, container: Manifest) -> dict[str, tuple[str, dict[str, str]]]:
    """Mount path -> (Secret name, file name -> key), for the container's Secret volumes."""
    volumes = {v["name"]: v["secret"] for v in spec.get("volumes", []) if "secret" in v}
    mounts = {}
    for mount in container.get("volumeMounts", []):
        if (secret := volumes.get(mount["name"])) is not None:
            # Without `items` every key is a file of its own name.
            files = {item["path"]: item["key"] for item in secret.get("items", [])}
            mounts[mount["mountPath"].rstrip("/")] = (secret["secretName"], files)
    return mounts


def _materialise(path: str, mounts: dict[str, tuple[str, dict[str, str]]], files: Path) -> Path:
    directory, _, name = path.rpartition("/")
    assert directory in mounts, f"{path} is in no mounted Secret"
    secret, items = mounts[directory]
    assert not items or name in items, f"{path}: no such file in the mounted Secret {secret}"
    key = items.get(name, name)
    value = secrets()[secret].get(key)
    assert value is not None, f"Secret {secret} has no key {key}"
    written = files / secret / name
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(value)
    return written


def _settings_class(service: str) -> type[BaseSettings]:
    module, _, name = SETTINGS[service].partition(":")
    settings: type[BaseSettings] = getattr(importlib.import_module(module), name)
    return settings


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_would_start_with_its_settings(
    overlay: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = set()
    for service, template, container in pods(overlay):
        env = environment(overlay, template, container, tmp_path)
        assert env.get("ENVIRONMENT") == "production", (service, "production checks must apply")
        assert env.get("DATABASE_POOLING") == "transaction", service
        for variable in list(os.environ):
            monkeypatch.delenv(variable)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings: Any = _settings_class(service)()
        assert settings.environment == "production"
        # Behind the pooler the role's default search_path ("$user") must be the schema.
        assert urlsplit(settings.database_url).username == settings.db_schema, service
        assert urlsplit(settings.database_direct_url).username == settings.db_schema, service
        seen.add((service, container["name"]))
    assert {service for service, _ in seen} == set(SETTINGS)
