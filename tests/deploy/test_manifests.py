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
