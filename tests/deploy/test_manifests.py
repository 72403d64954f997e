"""Every overlay under deploy/k8s/overlays/ rendered and checked offline (deploy/checks/): the
API's and the operators' schemas, checkov's policies with every exception justified in place,
the alert rules; and a broken copy of an overlay is caught, through the same command users run."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from deploy.checks import alert_rules, dockerfile, policy, schemas
from deploy.checks.render import Manifest, Rendered, overlays, render
from deploy.checks.tools import ROOT

SERVICES = ["tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier"]
OVERLAYS = [path.name for path in overlays()]


@cache
def rendered(overlay: str) -> Rendered:
    return render(ROOT / "deploy" / "k8s" / "overlays" / overlay)


@cache
def checkov_report(overlay: str) -> policy.Report:
    return policy.check_manifests(rendered(overlay).text)


def of_kind(overlay: str, kind: str) -> list[Manifest]:
    return [m for m in rendered(overlay).objects if m["kind"] == kind]


def test_there_are_a_dev_and_a_prod_overlay() -> None:
    assert {"dev", "prod"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_matches_its_schema(overlay: str) -> None:
    found = [problem for m in rendered(overlay).objects for problem in schemas.problems(m)]
    assert found == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_nothing_that_is_not_justified_in_place(overlay: str) -> None:
    report = checkov_report(overlay)
    assert report.passed > 0
    assert [str(finding) for finding in report.failed + report.unjustified()] == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_alert_rules_parse_and_link_their_runbooks(overlay: str) -> None:
    rules = of_kind(overlay, "PrometheusRule")
    alerts = [r for m in rules for g in m["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) >= 6
    assert alert_rules.problems(rules) == []


def test_the_dockerfile_passes_hadolint_and_checkov() -> None:
    assert dockerfile.problems() == []
    report = policy.check_dockerfile()
    assert report.passed > 0
    assert [str(finding) for finding in report.failed + report.unjustified()] == []


BREAKS = """
patches:
  - target: {kind: Deployment, name: tenant-api}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/imagePullPolicyy
        value: Always
      - op: add
        path: /spec/template/spec/containers/0/securityContext/privileged
        value: true
"""


def test_a_broken_overlay_fails_the_checks(tmp_path: Path) -> None:
    """The same command a user runs (`python -m deploy.checks DIR`) on an overlay that layers
    a misspelt field and a privileged container over prod: both are reported, exit 1."""
    # kustomize takes a directory as a resource only by a relative path.
    prod = os.path.relpath(ROOT / "deploy" / "k8s" / "overlays" / "prod", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(f"resources:\n  - {prod}\n{BREAKS}")
    done = subprocess.run(
        [sys.executable, "-m", "deploy.checks", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Deployment/controlplane/tenant-api" in done.stdout
    assert "'imagePullPolicyy' was unexpected" in done.stdout
    assert "CKV_K8S_16 Deployment.controlplane.tenant-api" in done.stdout


ENGINES = {
    # kind: (field holding the size, prod size)
    "Cluster": ("instances", 3),
    "Pooler": ("instances", 2),
    "RabbitmqCluster": ("replicas", 3),
    "RedisReplication": ("clusterSize", 3),
    "RedisSentinel": ("clusterSize", 3),
}


@pytest.mark.parametrize(("overlay", "clustered"), [("prod", True), ("dev", False)])
def test_the_engines_come_from_their_operators(overlay: str, clustered: bool) -> None:
    for kind, (field, size) in ENGINES.items():
        [engine] = of_kind(overlay, kind)
        assert engine["spec"][field] == (size if clustered else 1), kind
    [pooler] = of_kind(overlay, "Pooler")
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    assert bool(of_kind(overlay, "ScheduledBackup")) is clustered  # no backups in dev


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_as_a_production_workload(overlay: str) -> None:
    deployments = {m["metadata"]["name"]: m for m in of_kind(overlay, "Deployment")}
    assert sorted(deployments) == sorted(SERVICES)
    scaled = {
        m["spec"]["scaleTargetRef"]["name"] for m in of_kind(overlay, "HorizontalPodAutoscaler")
    }
    budgeted = {
        m["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name")
        for m in of_kind(overlay, "PodDisruptionBudget")
    }
    monitored = {
        label
        for m in of_kind(overlay, "ServiceMonitor")
        for expression in m["spec"]["selector"].get("matchExpressions", [])
        for label in expression.get("values", [])
    } | {
        m["spec"]["selector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        for m in of_kind(overlay, "ServiceMonitor")
    }
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        [app] = [c for c in pod["containers"] if c["name"] == "app"]
        assert pod["automountServiceAccountToken"] is False, name
        assert app["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(app), name
        assert {"cpu", "memory"} <= set(app["resources"]["limits"]), name
        assert not any("secretRef" in source for source in app.get("envFrom", [])), name
        assert name in scaled, name
        assert name in budgeted, name
        assert name in monitored, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_and_webhook_receiver_are_reachable_from_outside(overlay: str) -> None:
    [deny] = [
        m for m in of_kind(overlay, "NetworkPolicy") if m["metadata"]["name"] == "default-deny"
    ]
    assert deny["spec"]["podSelector"] == {}  # every pod of the namespace
    assert sorted(deny["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny["spec"]
    assert "egress" not in deny["spec"]
    backends = {
        path["backend"]["service"]["name"]
        for ingress in of_kind(overlay, "Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"tenant-api", "webhook-receiver"}
    assert all(ingress["spec"]["tls"] for ingress in of_kind(overlay, "Ingress"))
