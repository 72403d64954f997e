"""SECURITY.md names, for each control, the tests that prove it: every one of them must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def control_table() -> str:
    page = (ROOT / "SECURITY.md").read_text()
    return page.split("## Controls and the tests that prove them", 1)[1].split("\n## ", 1)[0]


def referenced_tests() -> list[tuple[str, str | None]]:
    """(path, test name or None for a whole file) for every test named in the table."""
    refs: list[tuple[str, str | None]] = []
    for row in control_table().splitlines():
        if not row.startswith("| ") or row.startswith("| control") or row.startswith("|---"):
            continue
        proofs = row.rsplit("|", 2)[1]
        path: str | None = None
        for item in re.findall(r"`([^`]+)`", proofs):
            if item.endswith(".py") or ".py::" in item:
                path, _, name = item.partition("::")
                refs.append((path, name or None))
            elif item.startswith("::") and path is not None:
                refs.append((path, item[2:]))
    return refs


def named_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_every_control_names_tests_that_exist() -> None:
    refs = referenced_tests()
    assert len(refs) >= 20, refs  # the table was read, not skipped
    missing = []
    for path, name in refs:
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif name is not None and name not in named_tests(file):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_row_names_a_test() -> None:
    rows = [
        row
        for row in control_table().splitlines()
        if row.startswith("| ") and not row.startswith("| control")
    ]
    assert rows, "SECURITY.md has no control table"
    assert [row for row in rows if ".py" not in row] == []
