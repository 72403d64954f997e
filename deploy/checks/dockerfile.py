"""hadolint on the Dockerfile. A rule may be ignored only in place, by the pragma on the line
before the instruction (`# hadolint ignore=DL3008`), with the reason in the comment line just
above the pragma (hadolint reads nothing after the rule codes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from deploy.checks.tools import ROOT, hadolint, run

_IGNORE = re.compile(r"^\s*#\s*hadolint\s+ignore=(?P<rules>[A-Z0-9,]+)")
MINIMUM_REASON = 15


def problems(path: Path = ROOT / "Dockerfile") -> list[str]:
    done = run([hadolint(), "--format", "json", "--no-color", str(path)])
    if done.returncode not in (0, 1):
        raise RuntimeError(f"hadolint failed (exit {done.returncode}): {done.stderr.strip()}")
    found = [
        f"{path.name}:{item['line']} {item['code']} ({item['level']}): {item['message']}"
        for item in json.loads(done.stdout or "[]")
    ]
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        if not (ignore := _IGNORE.match(line)):
            continue
        above = lines[number - 2].strip() if number > 1 else ""
        reason = above.removeprefix("#").strip() if above.startswith("#") else ""
        if len(reason) < MINIMUM_REASON or _IGNORE.match(above):
            found.append(f"{path.name}:{number} ignores {ignore.group('rules')} without a reason")
    return found
