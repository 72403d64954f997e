"""A reversible revision undoes its steps newest first, and only on the way down."""

from __future__ import annotations

from typing import Any

import pytest

from service_kit import migration_steps
from service_kit.migration_steps import Step, drop_index, reversible


def recording(log: list[str], name: str) -> Step:
    return Step(lambda: log.append(f"do {name}"), lambda: log.append(f"undo {name}"))


def test_upgrade_applies_the_steps_in_order() -> None:
    log: list[str] = []
    upgrade, _ = reversible(recording(log, "a"), recording(log, "b"), recording(log, "c"))

    upgrade()

    assert log == ["do a", "do b", "do c"]


def test_downgrade_undoes_the_steps_newest_first() -> None:
    log: list[str] = []
    _, downgrade = reversible(recording(log, "a"), recording(log, "b"), recording(log, "c"))

    downgrade()

    assert log == ["undo c", "undo b", "undo a"]


class RecordingOps:
    """Stands in for alembic's `op`: records what a step asked of it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))


def test_a_dropped_index_is_made_again_on_the_way_down(monkeypatch: pytest.MonkeyPatch) -> None:
    ops = RecordingOps()
    monkeypatch.setattr(migration_steps, "op", ops)
    upgrade, downgrade = reversible(drop_index("old_idx", "events", ["tenant_id", "at"]))

    upgrade()
    downgrade()

    assert ops.calls == [
        ("drop_index", ("old_idx",), {"table_name": "events"}),
        ("create_index", ("old_idx", "events", ["tenant_id", "at"]), {"unique": False}),
    ]
