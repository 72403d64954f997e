"""Where the golden fixtures and the checked-in JSON Schemas live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _workspace_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "uv.lock").is_file():
            return parent
    raise RuntimeError("no uv.lock above the shared-schemas tests")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def events_docs_dir() -> Path:
    return _workspace_root() / "docs" / "events"


@pytest.fixture
def valid_event() -> dict[str, Any]:
    """A fresh, valid `lead.created` v1 envelope to break in one place."""
    loaded: dict[str, Any] = json.loads((FIXTURES / "lead.created.v1.json").read_text())
    return loaded
