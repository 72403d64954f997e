"""Overlays rendered by kustomize into the objects `kubectl apply -k` would send."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from deploy.checks.tools import ROOT, kustomize, run

OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"

Manifest = dict[str, Any]


class RenderFailed(RuntimeError):
    """kustomize refused the overlay (a missing file, a patch that matches nothing...)."""


@dataclass(frozen=True)
class Rendered:
    directory: Path
    text: str
    objects: list[Manifest]


def overlays() -> list[Path]:
    return sorted(path.parent for path in OVERLAYS.glob("*/kustomization.yaml"))


def render(directory: Path) -> Rendered:
    done = run([*kustomize(), str(directory)])
    if done.returncode != 0:
        raise RenderFailed(f"kustomize build {directory}: {done.stderr.strip()}")
    objects = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return Rendered(directory, done.stdout, objects)


def name_of(manifest: Manifest) -> str:
    """`Kind/namespace/name`, the way the problems name an object."""
    metadata = manifest.get("metadata") or {}
    namespace = metadata.get("namespace", "-")
    return f"{manifest.get('kind')}/{namespace}/{metadata.get('name')}"
