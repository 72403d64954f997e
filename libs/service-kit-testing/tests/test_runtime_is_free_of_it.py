"""The test machinery stays out of what the services run: no service's code imports it or
pytest, and no runtime package depends on service-kit-testing."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RUNTIME_SOURCES = ["libs/service-kit/src", "libs/shared-schemas/src", "services/*/src"]
TEST_IMPORT = re.compile(r"^\s*(from|import)\s+(service_kit_testing|pytest|_pytest)\b", re.M)


def test_no_runtime_module_imports_test_machinery() -> None:
    found = [
        str(path.relative_to(ROOT))
        for pattern in RUNTIME_SOURCES
        for source in ROOT.glob(pattern)
        for path in source.rglob("*.py")
        if TEST_IMPORT.search(path.read_text())
    ]
    assert found == []


def test_no_runtime_package_depends_on_it() -> None:
    manifests = [
        ROOT / "libs/service-kit/pyproject.toml",
        ROOT / "libs/shared-schemas/pyproject.toml",
    ]
    manifests += sorted(ROOT.glob("services/*/pyproject.toml"))
    assert len(manifests) == 7
    for manifest in manifests:
        dependencies = tomllib.loads(manifest.read_text())["project"]["dependencies"]
        assert not [d for d in dependencies if d.startswith(("service-kit-testing", "pytest"))], (
            manifest
        )
