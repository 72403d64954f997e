"""One JSON file per run under bench/results/, timestamped, and latest.json beside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write(run: dict[str, Any], stamp: str, directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"run-{stamp}.json"
    path.write_text(json.dumps(run, indent=2, default=str) + "\n")
    shutil.copyfile(path, directory / "latest.json")
    return path
