"""Each rendered object against the schema of its kind: the Kubernetes API's for built-in kinds
(the `kubernetes-validate` package ships them, strict: unknown fields are errors), the
operator's for the others (tests/data/crd-schemas/, where their source and versions are noted)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate

from deploy.checks.render import Manifest, name_of
from deploy.checks.tools import ROOT

CRD_SCHEMAS = ROOT / "tests" / "data" / "crd-schemas"
# The oldest and the newest Kubernetes minor the manifests are meant for (docs/deploy.md).
KUBERNETES_VERSIONS = ("1.31.0", "1.35.0")


def problems(manifest: Manifest) -> list[str]:
    """What is wrong with one object; empty when it is valid for every version checked."""
    api_version = str(manifest.get("apiVersion", ""))
    if _is_built_in(api_version):
        return _built_in_problems(manifest)
    return _operator_problems(manifest, api_version)


def _is_built_in(api_version: str) -> bool:
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def _built_in_problems(manifest: Manifest) -> list[str]:
    found = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            found.append(f"{name_of(manifest)}: no such kind in Kubernetes {version}")
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(part) for part in exc.path) or "(top)"
            found.append(f"{name_of(manifest)} (Kubernetes {version}) at {where}: {exc.message}")
    return found


def _operator_problems(manifest: Manifest, api_version: str) -> list[str]:
    group, _, version = api_version.partition("/")
    path = CRD_SCHEMAS / group / f"{str(manifest.get('kind', '')).lower()}_{version}.json"
    if not path.is_file():
        relative = path.relative_to(ROOT)
        return [f"{name_of(manifest)}: no schema for {api_version} at {relative}"]
    return [
        f"{name_of(manifest)} at {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: "
        f"{error.message}"
        for error in _validator(path).iter_errors(manifest)
    ]


@cache
def _validator(path: Path) -> jsonschema.Draft7Validator:
    # Python's `jsonschema`, not jsonschema-rs: the Prometheus Operator's schemas hold patterns
    # such as `^(?i)(abort|warn)?$` that Rust's regex engine refuses, and with them the schema.
    return jsonschema.Draft7Validator(json.loads(path.read_text()))
