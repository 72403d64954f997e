"""`make run`'s launcher says exactly what is missing when the infrastructure is not there."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_run", ROOT / "deploy" / "local_run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_missing_infrastructure_is_named_with_the_command_that_starts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    launcher = load_launcher()
    # Port 9 on loopback: nothing listens there. And no Docker engine to fall back on.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/controlplane")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:9/")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(launcher, "_docker_engine", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        launcher.ensure_infrastructure()
    message = str(exit_info.value.code)
    first, *commands = message.splitlines()
    assert first.startswith("PostgreSQL, RabbitMQ not reachable, and no Docker engine")
    assert any("pg_ctlcluster" in line and "DATABASE_URL" in line for line in commands)
    assert any("rabbitmq-server -detached" in line for line in commands)
    assert not any(line.strip().startswith("Redis") for line in commands), "Redis is up"


def test_reachable_infrastructure_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    launcher = load_launcher()
    for variable in ("DATABASE_URL", "RABBITMQ_URL", "REDIS_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(launcher, "_docker_engine", lambda: pytest.fail("docker not needed"))
    launcher.ensure_infrastructure()


def test_a_process_count_can_be_given_to_one_service_alone() -> None:
    launcher = load_launcher()
    env = {"TENANT_API_PROCESSES": "3", "PROVISIONER_WORKERS": "8"}
    own = {service.name: service.own_settings(env) for service in launcher.SERVICES}
    assert own["tenant-api"] == {"PROCESSES": "3"}
    # PROVISIONER_WORKERS is the provisioner's own setting (its step-engine loops), not this.
    assert own["provisioner"] == {}
    assert all(own[name] == {} for name in own if name != "tenant-api")
