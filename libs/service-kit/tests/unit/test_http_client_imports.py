"""httpcore asks which async library runs on every connection-pool lock it sets up; that must
be a dictionary lookup, not a failed import searched for along sys.path each time."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest
from httpcore._synchronization import current_async_library


class RecordingFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.looked_for: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> Any:
        self.looked_for.append(fullname)
        return None  # let the real finders answer


async def test_asking_for_the_async_library_imports_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current_async_library()  # the first call may import
    finder = RecordingFinder()
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    for _ in range(100):
        assert current_async_library() == "asyncio"
    assert finder.looked_for == []
