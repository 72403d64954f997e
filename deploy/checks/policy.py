"""checkov's Kubernetes and Dockerfile policies. A check may be skipped only in place, with its
reason: an annotation `checkov.io/skip<N>: CKV_K8S_<id>=<why>` on the object, or a
`# checkov:skip=CKV_DOCKER_<id>:<why>` comment in the Dockerfile."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.checks.tools import ROOT, checkov, run

# Shorter than this is not a reason ("ok", "n/a", "todo").
MINIMUM_REASON = 15


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    resource: str
    reason: str = ""

    def __str__(self) -> str:
        said = f" (skipped: {self.reason!r})" if self.reason else ""
        return f"{self.check_id} {self.resource}: {self.check_name}{said}"


@dataclass(frozen=True)
class Report:
    passed: int
    failed: list[Finding]
    skipped: list[Finding]

    def unjustified(self) -> list[Finding]:
        return [skip for skip in self.skipped if len(skip.reason.strip()) < MINIMUM_REASON]


def check_manifests(rendered: str) -> Report:
    with tempfile.TemporaryDirectory(prefix="cp-checkov-") as scratch:
        path = Path(scratch) / "rendered.yaml"
        path.write_text(rendered)
        return _checkov(["-f", str(path), "--framework", "kubernetes"])


def check_dockerfile(path: Path = ROOT / "Dockerfile") -> Report:
    return _checkov(["-f", str(path), "--framework", "dockerfile"])


def _checkov(arguments: list[str]) -> Report:
    # --skip-download: no policy metadata from the vendor's API (this runs offline).
    done = run([checkov(), *arguments, "--output", "json", "--compact", "--skip-download"])
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"checkov failed (exit {done.returncode}): {done.stderr[-2000:]}")
    output: Any = json.loads(done.stdout)
    # One framework gives one report; checkov gives a list when it ran several.
    reports = output if isinstance(output, list) else [output]
    passed, failed, skipped = 0, [], []
    for report in reports:
        if "results" not in report:  # nothing of that framework in the file
            continue
        results = report["results"]
        passed += len(results.get("passed_checks", []))
        failed += [_finding(check) for check in results.get("failed_checks", [])]
        skipped += [_finding(check) for check in results.get("skipped_checks", [])]
    return Report(passed, failed, skipped)


def _finding(check: dict[str, Any]) -> Finding:
    reason = (check.get("check_result") or {}).get("suppress_comment") or ""
    return Finding(check["check_id"], check["check_name"], check["resource"], str(reason))
