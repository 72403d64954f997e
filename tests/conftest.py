"""The clustered engines, started once for the whole pytest session: tests/test_ha_stack.py
drives their control API, and tests/chaos/ runs its short subset of `make chaos` on them."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.ha import HaStack


@pytest.fixture(scope="session")
def ha_stack() -> Iterator[HaStack]:
    """Three RabbitMQ nodes, Patroni with two PostgreSQL nodes, Redis with three sentinels (no
    services), on free ports in a temporary directory; stopped and removed at the end."""
    # Not pytest's tmp_path: PostgreSQL runs as `postgres`, which must reach the directory.
    base = Path(tempfile.mkdtemp(prefix="cp-ha-test-"))
    base.chmod(0o755)
    stack = HaStack.create(base)
    try:
        stack.start(["rabbit", "postgres", "redis"])
        yield stack
    finally:
        stack.stop(wipe=True)
        shutil.rmtree(base, ignore_errors=True)
