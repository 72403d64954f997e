"""The checkers themselves catch what they are for (deploy/checks/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deploy.checks import alert_rules, dockerfile, schemas

RUNBOOKS = "# Operations\n\n## A message is in a DLQ\n\ntext\n\n```sh\n# not a heading\n```\n"


def _rule_set(*rules: dict[str, object]) -> dict[str, object]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "alerts", "namespace": "controlplane"},
        "spec": {"groups": [{"name": "controlplane", "rules": list(rules)}]},
    }


GOOD: dict[str, Any] = {
    "alert": "DeadLetters",
    "expr": "sum by (queue) (controlplane_dlq_messages) > 0",
    "for": "5m",
    "labels": {"severity": "warning"},
    "annotations": {
        "summary": "s",
        "description": "d",
        "runbook_url": "https://example.com/blob/main/docs/operations.md#a-message-is-in-a-dlq",
    },
}


def test_a_good_alert_passes(tmp_path: Path) -> None:
    runbooks = tmp_path / "operations.md"
    runbooks.write_text(RUNBOOKS)
    assert alert_rules.problems([_rule_set(GOOD)], runbooks) == []


def test_broken_alerts_are_each_named(tmp_path: Path) -> None:
    runbooks = tmp_path / "operations.md"
    runbooks.write_text(RUNBOOKS)
    unparsable = {**GOOD, "alert": "A", "expr": "sum(rate(x[5m]) > 0"}
    no_runbook = {
        **GOOD,
        "alert": "B",
        "annotations": {
            **GOOD["annotations"],
            "runbook_url": "https://example.com/docs/operations.md#not-a-heading",
        },
    }
    bad_severity = {**GOOD, "alert": "C", "labels": {"severity": "page"}, "for": "five"}
    found = alert_rules.problems(
        [_rule_set(unparsable, no_runbook, bad_severity, GOOD, GOOD)], runbooks
    )
    assert any("/A: expr does not parse" in p for p in found)
    assert any("/B: runbook_url" in p and "names no section" in p for p in found)
    assert any("/C: labels.severity must be one of" in p for p in found)
    assert any("/C: `for: five` is not a duration" in p for p in found)
    assert any("/DeadLetters: two alerts of the same name" in p for p in found)
    assert len(found) == 5


def test_heading_anchors_follow_github() -> None:
    text = "## A tenant's database login is off (or on)\n### Rehearsing: the HA stack\n"
    assert alert_rules.heading_anchors(text) == {
        "a-tenants-database-login-is-off-or-on",
        "rehearsing-the-ha-stack",
    }


def test_an_operator_kind_is_checked_against_its_schema() -> None:
    cluster = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "RabbitmqCluster",
        "metadata": {"name": "rabbitmq"},
        "spec": {"replicas": "three", "replica": 3},
    }
    found = schemas.problems(cluster)
    assert any("spec/replicas" in p and "not of type" in p for p in found)
    assert any("'replica' was unexpected" in p for p in found)


def test_a_kind_without_a_schema_is_a_problem_not_a_pass() -> None:
    unknown = {"apiVersion": "example.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    expected = "tests/data/crd-schemas/example.io/widget_v1.json"
    assert schemas.problems(unknown) == [f"Widget/-/w: no schema for example.io/v1 at {expected}"]


def test_a_hadolint_ignore_needs_its_reason(tmp_path: Path) -> None:
    recipe = tmp_path / "Dockerfile"
    recipe.write_text(
        "FROM python:3.11-slim\n"
        "# hadolint ignore=DL3013\n"
        "RUN pip install --no-cache-dir uv\n"
        "# The distribution's security updates must not be pinned.\n"
        "# hadolint ignore=DL3008\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "USER 10001\n"
    )
    assert dockerfile.problems(recipe) == ["Dockerfile:2 ignores DL3013 without a reason"]
