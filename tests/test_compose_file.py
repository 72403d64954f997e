"""docker-compose.yml checked offline against the Compose Specification's JSON Schema
(tests/data/compose-spec/README.md says which version), so a typo fails `make test`, not `up`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "data" / "compose-spec" / "compose-spec.json"

Compose = dict[str, Any]


@pytest.fixture(scope="module")
def validator() -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(json.loads(SCHEMA.read_text()))


@pytest.fixture(scope="module")
def compose() -> Compose:
    loaded: Compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_compose_file_follows_the_specification(
    validator: jsonschema_rs.Draft7Validator, compose: Compose
) -> None:
    errors = [str(error) for error in validator.iter_errors(compose)]
    assert errors == []


def _unknown_condition(compose: Compose) -> None:
    compose["services"]["tenant-api"]["depends_on"]["migrate"]["condition"] = "service_done"


def _misspelt_key(compose: Compose) -> None:
    compose["services"]["redis"]["volume"] = compose["services"]["redis"].pop("volumes")


def _ports_not_a_list(compose: Compose) -> None:
    compose["services"]["mailpit"]["ports"] = "127.0.0.1:8025:8025"


@pytest.mark.parametrize("breaks", [_unknown_condition, _misspelt_key, _ports_not_a_list])
def test_a_broken_copy_is_rejected(
    validator: jsonschema_rs.Draft7Validator,
    compose: Compose,
    breaks: Callable[[Compose], None],
) -> None:
    broken = copy.deepcopy(compose)
    breaks(broken)
    assert not validator.is_valid(broken)


def test_the_services_start_after_the_one_shot_migration(compose: Compose) -> None:
    services = compose["services"]
    five = ["tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier"]
    for name in five:
        service = services[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["environment"]["MIGRATE_ON_START"] == "false", name
    assert services["tenant-api"]["depends_on"]["lead-verifier"] == {"condition": "service_healthy"}
    for name in [*five, "mailpit"]:
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"]), name


def test_every_published_port_is_bound_to_loopback(compose: Compose) -> None:
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if "ports" in service
    }
    assert {"postgres", "redis", "rabbitmq", "mailpit", "tenant-api"} <= set(published)
    for name, ports in published.items():
        assert all(str(port).startswith("127.0.0.1:") for port in ports), name


def test_redis_keeps_its_data_across_restarts(compose: Compose) -> None:
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    volume, _, target = next(v for v in redis["volumes"] if v.endswith(":/data")).partition(":")
    assert target == "/data"
    assert volume in compose["volumes"]  # a named volume, not the container's own layer


def test_whatever_is_waited_on_as_healthy_has_a_healthcheck(compose: Compose) -> None:
    services = compose["services"]
    awaited = {
        (name, dependency)
        for name, service in services.items()
        for dependency, condition in service.get("depends_on", {}).items()
        if condition == {"condition": "service_healthy"}
    }
    assert ("migrate", "postgres") in awaited
    assert ("notifier", "rabbitmq") in awaited
    for name, dependency in awaited:
        checked = "test" in services[dependency].get("healthcheck", {})
        assert checked or _built_with_the_dockerfiles_healthcheck(services[dependency]), (
            name,
            dependency,
        )


def _built_with_the_dockerfiles_healthcheck(service: dict[str, Any]) -> bool:
    """Built from the root Dockerfile's last stage (no target), whose HEALTHCHECK it inherits."""
    build = service.get("build")
    if not isinstance(build, dict) or "target" in build:
        return False
    last_stage = (ROOT / "Dockerfile").read_text().rpartition("\nFROM ")[2]
    return "\nHEALTHCHECK " in last_stage
